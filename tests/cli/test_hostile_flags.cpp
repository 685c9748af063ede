// Issue 14, findings 8-11 and the smaller ones: requests that gave a silently wrong result now do
// what they say or are refused with a short message.
#include "cli/hostile_support.h"

namespace minidl::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

const std::string kDisk = std::string(MINIDL_SOURCE_DIR) + "/configs/disk.toml";

// Finding 8: the README's example trained the same for lr 0.1, 0.5 and 5 (one-cycle's max_lr of
// the config won, silently) and `info` printed "lr 0.1".
TEST(CliHostileFlags, TheReadmeLearningRateExampleChangesTheTraining) {
  TempDir dir;
  std::vector<double> losses;
  for (const char* lr : {"0.1", "0.5"}) {
    CliResult r = run_minidl({"train", kDisk, "--set", "optimizer.name=sgd", "--set", std::string("optimizer.lr=") + lr,
                              "--set", "optimizer.momentum=0.9", "--set", "train.epochs=2", "--out",
                              dir.path(std::string("lr") + lr), "--quiet"});
    ASSERT_EQ(r.code, 0) << describe(r);
    Csv metrics = read_csv_file(dir.path(std::string("lr") + lr + "/metrics.csv"));
    losses.push_back(std::stod(metrics.rows[0][metrics.column("train_loss")]));
  }
  EXPECT_NE(losses[0], losses[1]);
  CliResult info = run_minidl({"info", kDisk, "--set", "optimizer.lr=0.5"});
  ASSERT_EQ(info.code, 0) << describe(info);
  EXPECT_THAT(info.out, HasSubstr("lr 0.02 rising to 0.5, then down to 2e-06 by one-cycle"));
  // Both rates given and different: one of them would be unused.
  CliResult both = run_minidl({"train", kDisk, "--set", "scheduler.max_lr=0.01", "--set", "optimizer.lr=0.1"});
  EXPECT_EQ(both.code, 2) << describe(both);
  EXPECT_THAT(both.err, HasSubstr("optimizer.lr = 0.1 and scheduler.max_lr = 0.01"));
  EXPECT_THAT(both.err, HasSubstr("conflict"));
}

class CliHostileModel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    std::string config = dir_->write("raw.toml", kSmallConfig);
    // A model trained on raw inputs: no standardisation statistics in its file.
    CliResult r = run_minidl({"train", config, "--set", "data.standardize=false", "--set", "train.epochs=2", "--out",
                              dir_->path("raw"), "--quiet"});
    ASSERT_EQ(r.code, 0) << describe(r);
  }
  static void TearDownTestSuite() { delete dir_; }
  static TempDir* dir_;
};
TempDir* CliHostileModel::dir_ = nullptr;

// Finding 9: predict on a CSV without a header took its first row as the header (3 rows in, 2
// out, exit 0); train refuses the same file.
TEST_F(CliHostileModel, PredictRefusesACsvWithoutAHeaderAsTrainDoes) {
  std::string input = dir_->write("noheader.csv", "0.1,0.2\n0.5,0.5\n0.9,0.1\n");
  CliResult r = run_minidl({"predict", "--checkpoint", dir_->path("raw/model.safetensors"), "--input", input});
  EXPECT_EQ(r.code, 1) << describe(r);
  EXPECT_THAT(r.err, HasSubstr(input + ":1: the first line must be a header of column names, got '0.1,0.2'"));
  // Smaller: 1e39 became inf as a float.
  std::string big = dir_->write("big.csv", "x,y\n0.1,1e39\n");
  CliResult b = run_minidl({"predict", "--checkpoint", dir_->path("raw/model.safetensors"), "--input", big});
  EXPECT_EQ(b.code, 1) << describe(b);
  EXPECT_THAT(b.err, HasSubstr(big + ":2: column 2 ('y'): expected a number, got '1e39'"));
}

// Finding 10: eval fitted a new standardiser for a checkpoint without statistics (plausible,
// wrong accuracy, exit 0), and fell back to configs/disk.toml for a file without a config.
TEST_F(CliHostileModel, EvalRefusesSilentFallbacks) {
  std::string config = dir_->write("standardized.toml", std::string(kSmallConfig));  // data.standardize defaults to true
  CliResult r = run_minidl({"eval", config, "--checkpoint", dir_->path("raw/model.safetensors")});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("has no standardisation statistics, but " + config + " standardises its inputs"));
  EXPECT_THAT(r.err, HasSubstr("--fit-standardizer"));
  CliResult fitted = run_minidl({"eval", config, "--checkpoint", dir_->path("raw/model.safetensors"), "--fit-standardizer"});
  EXPECT_EQ(fitted.code, 0) << describe(fitted);
  CliResult raw = run_minidl({"eval", config, "--set", "data.standardize=false", "--checkpoint",
                              dir_->path("raw/model.safetensors")});
  EXPECT_EQ(raw.code, 0) << describe(raw);
  // A state dict without a config of its own (as PyTorch writes it).
  fs::copy_file(dir_->path("raw/model.safetensors"), dir_->path("bare.safetensors"), fs::copy_options::overwrite_existing);
  edit_safetensors_header(dir_->path("bare.safetensors"), [](nlohmann::json& h) { h.erase("__metadata__"); });
  CliResult bare = run_minidl({"eval", "--checkpoint", dir_->path("bare.safetensors")});
  EXPECT_EQ(bare.code, 2) << describe(bare);
  EXPECT_THAT(bare.err, HasSubstr("bare.safetensors: carries no config"));
}

// Finding 11: flags and paths that cannot apply were silently ignored or misread.
TEST(CliHostileFlags, FlagsThatCannotApplyAreErrors) {
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  for (const std::string& path : {std::string(MINIDL_SOURCE_DIR) + "/configs", std::string("/dev/null")}) {
    CliResult r = run_minidl({"train", path, "--out", dir.path("x")});
    EXPECT_EQ(r.code, 2) << describe(r);
    EXPECT_THAT(r.err, HasSubstr(path + ": not a config file"));
  }
  ASSERT_EQ(run_minidl({"train", config, "--out", dir.path("run")}, {{"MINIDL_STOP_AFTER_STEPS", "3"}}).code, 130);
  for (const std::vector<std::string>& extra : std::vector<std::vector<std::string>>{
           {"--set", "train.epochs=5"}, {"--out", dir.path("other")}, {"--seed", "3"}, {"--runs", "2"}}) {
    std::vector<std::string> args = {"train", "--resume", dir.path("run")};
    args.insert(args.end(), extra.begin(), extra.end());
    CliResult r = run_minidl(args);
    EXPECT_EQ(r.code, 2) << describe(r);
    EXPECT_THAT(r.err, HasSubstr(extra[0] + " cannot apply"));
  }
  for (const char* seed : {"99999999999999999999", "-5", "1.5"}) {
    CliResult r = run_minidl({"train", config, "--seed", seed, "--out", dir.path("s")});
    EXPECT_EQ(r.code, 2) << describe(r);
    EXPECT_THAT(r.err, HasSubstr(std::string("expected a whole number from 0 to 9223372036854775807, got ") + seed));
  }
  for (const char* threads : {"0", "100000"}) {
    CliResult r = run_minidl({"train", config, "--threads", threads, "--out", dir.path("t")});
    EXPECT_EQ(r.code, 2) << describe(r);
    EXPECT_THAT(r.err, HasSubstr(std::string("expected a whole number from 1 to 256, got ") + threads));
    EXPECT_LT(r.err.size(), 300u) << r.err;
  }
  CliResult patience = run_minidl({"train", config, "--set", "train.early_stopping_patience=3", "--out", dir.path("p")});
  EXPECT_EQ(patience.code, 2) << describe(patience);
  EXPECT_THAT(patience.err, HasSubstr("train.early_stopping_patience watches the validation loss, but there is no "
                                      "validation set"));
  EXPECT_FALSE(fs::exists(dir.path("s")) || fs::exists(dir.path("t")) || fs::exists(dir.path("p")));
  CliResult help = run_minidl({"train", "--help"});
  EXPECT_THAT(help.out, Not(HasSubstr("OpenBLAS")));
}

// The smaller findings on data and output.
TEST(CliHostileFlags, SmallerFindings) {
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  // "std 0.00% over 1 runs".
  CliResult one = run_minidl({"train", config, "--set", "train.epochs=1", "--out", dir.path("one"), "--quiet"});
  ASSERT_EQ(one.code, 0) << describe(one);
  EXPECT_THAT(one.out, Not(HasSubstr("over 1 runs")));
  // A one-epoch run drew an empty error panel (lines of one point): the epochs are points too.
  EXPECT_THAT(read_text(dir.path("one/curves.gp")), HasSubstr("with linespoints lw 2 pt 7 ps 0.5 lc rgb '#1f77b4' title 'train error'"));
  // grid takes --quiet, as train does.
  CliResult grid = run_minidl({"grid", config, "--set", "optimizer.lr=[0.01,0.02]", "--set", "train.epochs=1", "--quiet",
                               "--out", dir.path("grid")});
  ASSERT_EQ(grid.code, 0) << describe(grid);
  EXPECT_THAT(grid.out, Not(HasSubstr("[1/2]")));
  EXPECT_THAT(grid.out, HasSubstr("best: "));
  // A CSV path that is a folder said "empty file"; a constant feature was "feature 1" (0-based).
  dir.write("train.csv", "a,b,label\n0.1,3,0\n0.5,3,1\n0.9,3,1\n");
  dir.write("test.csv", "a,b,label\n0.2,3,0\n");
  CliResult constant = run_minidl({"train", dir.write("c.toml", csv_config(dir.dir())), "--out", dir.path("c")});
  EXPECT_EQ(constant.code, 1) << describe(constant);
  EXPECT_THAT(constant.err, HasSubstr(dir.path("train.csv") + ": column 2 ('b') has the same value (3) in every row"));
  EXPECT_THAT(constant.err, HasSubstr("data.standardize = false"));
  CliResult folder = run_minidl({"train", config, "--set", "data.source=\"csv\"", "--set",
                                 "data.train_path=\"" + dir.dir() + "\"", "--set", "data.test_path=\"" + dir.dir() + "\"",
                                 "--out", dir.path("f")});
  EXPECT_EQ(folder.code, 1) << describe(folder);
  EXPECT_THAT(folder.err, HasSubstr(dir.dir() + ": is a folder, not a CSV file"));
}

}  // namespace
}  // namespace minidl::testing

// `minidl train` as a user runs it: the run folder, summary.json, metrics.csv, what it prints,
// and its exit codes and messages for bad requests.
#include "cli/cli_support.h"

namespace minidl::testing {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

TEST(CliTrain, WritesTheRunFolderWithASummaryOfEveryRun) {
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  CliResult r = run_minidl({"train", config, "--runs", "2", "--set", "train.epochs=4", "--out", dir.path("run")});
  ASSERT_EQ(r.code, 0) << describe(r);
  for (const char* file : {"config.toml", "metrics.csv", "iterations.csv", "model.safetensors", "summary.json",
                           "train_points.csv", "test_points.csv", "boundary.csv"}) {
    EXPECT_TRUE(fs::exists(dir.path("run/") + file)) << file;
  }
  nlohmann::json s = read_json(dir.path("run/summary.json"));
  EXPECT_EQ(s["schema_version"], 1);
  EXPECT_EQ(s["config"], config);
  EXPECT_EQ(s["parameters"], 2 * 25 + 25 + 2 * (25 * 25 + 25) + 25 * 2 + 2);
  for (const char* key : {"test_accuracy", "train_accuracy"}) {
    EXPECT_GE(s[key].get<double>(), 0.0) << key;
    EXPECT_LE(s[key].get<double>(), 1.0) << key;
  }
  EXPECT_GT(s["test_loss"].get<double>(), 0.0);
  EXPECT_GE(s["test_accuracy_std"].get<double>(), 0.0);
  ASSERT_EQ(s["runs"].size(), 2u);
  EXPECT_EQ(s["runs"][0]["seed"], 0);
  EXPECT_EQ(s["runs"][1]["seed"], 1);
  EXPECT_EQ(s["runs"][0]["epochs"], 4);
  // The summary's accuracy is the mean over runs, and each run's confusion matrix counts the
  // 200 test points; the summary's sums them.
  double mean = (s["runs"][0]["test_accuracy"].get<double>() + s["runs"][1]["test_accuracy"].get<double>()) / 2;
  EXPECT_NEAR(s["test_accuracy"].get<double>(), mean, 1e-12);
  int64_t total = 0, correct = 0;
  auto confusion = s["confusion"].get<std::vector<std::vector<int64_t>>>();
  ASSERT_EQ(confusion.size(), 2u);
  for (size_t t = 0; t < 2; ++t) {
    for (size_t p = 0; p < 2; ++p) total += confusion[t][p];
    correct += confusion[t][t];
  }
  EXPECT_EQ(total, 200 * 2);
  EXPECT_NEAR(static_cast<double>(correct) / static_cast<double>(total), mean, 1e-12);
  for (const auto& run : s["runs"]) {
    int64_t run_total = 0;
    for (const auto& row : run["confusion"])
      for (int64_t v : row) run_total += v;
    EXPECT_EQ(run_total, 200);
  }

  Csv metrics = read_csv_file(dir.path("run/metrics.csv"));
  ASSERT_EQ(metrics.rows.size(), 2u * 4u);  // runs * epochs
  EXPECT_EQ(metrics.rows[0][metrics.column("run")], "0");
  EXPECT_EQ(metrics.rows[7][metrics.column("run")], "1");
  EXPECT_EQ(metrics.rows[7][metrics.column("epoch")], "4");
  // The last epoch's test accuracy of the last run is the run's test accuracy in the summary.
  EXPECT_NEAR(std::stod(metrics.rows[7][metrics.column("test_accuracy")]), s["runs"][1]["test_accuracy"].get<double>(),
              1e-8);
  Csv iterations = read_csv_file(dir.path("run/iterations.csv"));
  EXPECT_EQ(iterations.rows.size(), 2u * 4u * 4u);  // runs * epochs * (200 / 50) batches
  if (gnuplot_available()) {
    for (const char* png : {"curves.png", "boundary.png", "dataset.png"}) EXPECT_TRUE(fs::exists(dir.path("run/") + png));
  }
}

TEST(CliTrain, PrintsOneLinePerEpochWithoutATerminalAndOneLineWithQuiet) {
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  CliResult r = run_minidl({"train", config, "--set", "train.epochs=3", "--out", dir.path("a")});
  ASSERT_EQ(r.code, 0) << describe(r);
  std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 1u + 3u + 1u) << r.out;  // the header line, one per epoch, the summary
  EXPECT_THAT(lines[0], HasSubstr("1 run of 3 epochs"));
  EXPECT_THAT(lines[1], HasSubstr("epoch 1/3"));
  EXPECT_THAT(lines[3], HasSubstr("epoch 3/3"));
  EXPECT_THAT(lines[4], HasSubstr("test accuracy"));
  EXPECT_EQ(r.out.find('\r'), std::string::npos);  // no progress bar redraws in a file

  CliResult q = run_minidl({"train", config, "--set", "train.epochs=3", "--out", dir.path("b"), "--quiet"});
  ASSERT_EQ(q.code, 0) << describe(q);
  ASSERT_EQ(lines_of(q.out).size(), 1u) << q.out;
  EXPECT_THAT(q.out, HasSubstr("test accuracy"));
  EXPECT_THAT(q.out, HasSubstr(dir.path("b")));
}

TEST(CliTrain, AConfigErrorIsExitCode2AndWritesNothing) {
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  std::string out = dir.path("never");
  CliResult r = run_minidl({"train", config, "--set", "optimizer.lr=-0.1", "--out", out});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("optimizer.lr"));
  EXPECT_THAT(r.err, HasSubstr("-0.1"));
  EXPECT_FALSE(fs::exists(out));

  // A model that does not fit the data is found before anything is written, too: 3 outputs
  // for 2 one-hot targets, and a softmax over a dim the outputs do not have.
  std::string three_outputs = dir.write("three.toml", std::string(kSmallConfig) + R"(
[loss]
name = "mse"
[model]
layers = [{ type = "linear", out_features = 8 }, { type = "relu" }, { type = "linear", out_features = 3 }]
)");
  r = run_minidl({"train", three_outputs, "--set", "data.targets=one-hot", "--out", out});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("the model does not fit the data"));
  EXPECT_THAT(r.err, HasSubstr("(2, 3)"));
  EXPECT_FALSE(fs::exists(out));
  std::string bad_dim = dir.write("bad_dim.toml", std::string(kSmallConfig) + R"(
[model]
layers = [{ type = "linear", out_features = 2 }, { type = "softmax", dim = 4 }]
)");
  r = run_minidl({"train", bad_dim, "--out", out});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("dim 4"));
  EXPECT_FALSE(fs::exists(out));
}

TEST(CliTrain, AnUnknownKeyIsExitCode2WithADidYouMean) {
  TempDir dir;
  std::string config = dir.write("typo.toml", std::string(kSmallConfig) + "\n[scheduler]\nnmae = \"step\"\n");
  CliResult r = run_minidl({"train", config, "--out", dir.path("out")});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_THAT(r.err, HasSubstr(config + ":"));
  EXPECT_THAT(r.err, HasSubstr("unknown key 'scheduler.nmae'"));
  EXPECT_THAT(r.err, HasSubstr("did you mean 'scheduler.name'?"));
  EXPECT_FALSE(fs::exists(dir.path("out")));

  r = run_minidl({"train", config, "--set", "optimizer.momentun=0.9", "--out", dir.path("out")});
  EXPECT_EQ(r.code, 2) << describe(r);
}

TEST(CliTrain, AMissingConfigFileIsExitCode2NamingIt) {
  TempDir dir;
  CliResult r = run_minidl({"train", dir.path("absent.toml"), "--out", dir.path("out")});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_THAT(r.err, HasSubstr(dir.path("absent.toml")));
}

TEST(CliTrain, AnExistingNonEmptyOutputFolderIsExitCode2AndLeftAlone) {
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  fs::create_directories(dir.path("out"));
  dir.write("out/keep.txt", "mine");
  CliResult r = run_minidl({"train", config, "--out", dir.path("out")});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("exists and is not empty"));
  EXPECT_EQ(read_text(dir.path("out/keep.txt")), "mine");
  EXPECT_FALSE(fs::exists(dir.path("out/metrics.csv")));
}

TEST(CliTrain, UsageErrorsAreExitCode2) {
  TempDir dir;
  CliResult r = run_minidl({"train", "--runs", "0"});
  EXPECT_EQ(r.code, 2) << describe(r);
  r = run_minidl({"train", "--no-such-flag"});
  EXPECT_EQ(r.code, 2) << describe(r);
  r = run_minidl({});
  EXPECT_EQ(r.code, 2) << describe(r);
  r = run_minidl({"train", "--resume", dir.dir()});  // an empty folder is not a run
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("no checkpoint.safetensors"));
}

TEST(CliTrain, EarlyStoppingKeepsTheBestModel) {
  TempDir dir;
  // A learning rate so high that the validation loss soon stops improving.
  std::string config = dir.write("early.toml", std::string(kSmallConfig) + R"(
)");
  CliResult r = run_minidl({"train", config, "--set", "data.val_size=100", "--set", "train.epochs=60", "--set",
                            "optimizer.lr=0.3", "--set", "train.early_stopping_patience=3", "--out", dir.path("run")});
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("early stopping"));
  EXPECT_TRUE(fs::exists(dir.path("run/best.safetensors")));
  Csv metrics = read_csv_file(dir.path("run/metrics.csv"));
  ASSERT_LT(metrics.rows.size(), 60u);
  // It stopped 3 epochs after the best validation loss, which is the last of those before it.
  int c = metrics.column("val_loss");
  size_t best = 0;
  for (size_t i = 0; i < metrics.rows.size(); ++i) {
    if (std::stod(metrics.rows[i][c]) < std::stod(metrics.rows[best][c])) best = i;
  }
  EXPECT_EQ(best + 1 + 3, metrics.rows.size());
  nlohmann::json s = read_json(dir.path("run/summary.json"));
  EXPECT_EQ(s["runs"][0]["epochs"].get<size_t>(), metrics.rows.size());
  EXPECT_TRUE(s["runs"][0].contains("val_accuracy"));
}

}  // namespace
}  // namespace minidl::testing

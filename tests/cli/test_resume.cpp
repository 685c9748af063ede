// `minidl train --resume`: a training interrupted anywhere (mid-epoch, at an epoch boundary,
// between runs, several times) ends with bitwise the same model and the same metrics as one that
// was not interrupted (--threads 1). Interruptions come from the test hook
// MINIDL_STOP_AFTER_STEPS=N (a Ctrl-C after the N-th optimizer step of the process), so they are
// exact; one test sends a real SIGINT and one a SIGKILL.
#include "cli/cli_support.h"

namespace minidl::testing {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

// 200 points in batches of 50: 4 steps per epoch, 3 epochs, so 12 steps per run.
const std::string kResumeConfig = R"(
[data]
train_size = 200
test_size = 100
[optimizer]
name = "adam"
lr = 0.01
[train]
batch_size = 50
epochs = 3
)";

std::vector<std::string> train_args(const std::string& config, const std::string& out,
                                    const std::vector<std::string>& sets) {
  std::vector<std::string> args{"train", config, "--runs", "2", "--threads", "1", "--quiet", "--out", out};
  for (const std::string& s : sets) args.insert(args.end(), {"--set", s});
  return args;
}

// Trains `config` into `out`, interrupted after stops[0] steps, resumed and interrupted after
// stops[1] more steps, ..., then resumed to the end.
void train_interrupted(const std::string& config, const std::string& out, const std::vector<std::string>& sets,
                       const std::vector<int>& stops) {
  for (size_t i = 0; i < stops.size(); ++i) {
    std::vector<std::string> args =
        i == 0 ? train_args(config, out, sets) : std::vector<std::string>{"train", "--resume", out, "--threads", "1", "--quiet"};
    CliResult r = run_minidl(args, {{"MINIDL_STOP_AFTER_STEPS", std::to_string(stops[i])}});
    ASSERT_EQ(r.code, 130) << "stop " << i << " after " << stops[i] << " steps: " << describe(r);
    ASSERT_THAT(r.err, HasSubstr("minidl train --resume " + out));
    ASSERT_TRUE(fs::exists(out + "/checkpoint.safetensors"));
    ASSERT_FALSE(fs::exists(out + "/summary.json"));
  }
  CliResult r = run_minidl({"train", "--resume", out, "--threads", "1", "--quiet"});
  ASSERT_EQ(r.code, 0) << describe(r);
}

// Everything but the wall-clock times must be equal.
void expect_same_run(const std::string& expected_dir, const std::string& actual_dir) {
  for (const char* model : {"model.safetensors", "best.safetensors"}) {
    std::string expected = expected_dir + "/" + model, actual = actual_dir + "/" + model;
    if (!fs::exists(expected)) continue;
    ASSERT_TRUE(fs::exists(actual)) << model;
    EXPECT_TRUE(read_text(expected) == read_text(actual)) << model << " differs";
  }
  Csv a = read_csv_file(expected_dir + "/metrics.csv"), b = read_csv_file(actual_dir + "/metrics.csv");
  ASSERT_EQ(a.header, b.header);
  ASSERT_EQ(a.rows.size(), b.rows.size());
  int seconds = a.column("seconds");
  for (size_t i = 0; i < a.rows.size(); ++i) {
    for (size_t c = 0; c < a.header.size(); ++c) {
      if (static_cast<int>(c) == seconds) continue;
      EXPECT_EQ(a.rows[i][c], b.rows[i][c]) << "metrics.csv row " << i + 1 << ", " << a.header[c];
    }
  }
  EXPECT_EQ(read_text(expected_dir + "/iterations.csv"), read_text(actual_dir + "/iterations.csv"));
  EXPECT_EQ(read_text(expected_dir + "/test_points.csv"), read_text(actual_dir + "/test_points.csv"));
  nlohmann::json x = read_json(expected_dir + "/summary.json"), y = read_json(actual_dir + "/summary.json");
  ASSERT_EQ(x["runs"].size(), y["runs"].size());
  for (size_t r = 0; r < x["runs"].size(); ++r) {
    for (const char* key : {"seed", "epochs", "test_accuracy", "test_loss", "train_accuracy", "train_loss", "confusion"}) {
      EXPECT_EQ(x["runs"][r][key], y["runs"][r][key]) << "run " << r << " " << key;
    }
  }
}

struct ResumeCase {
  const char* name;
  std::vector<std::string> sets;
  bool all_points = false;  // every single interruption point, else a mid-run-1 one and a chain
};

class CliResume : public ::testing::TestWithParam<ResumeCase> {};

TEST_P(CliResume, InterruptedAnywhereEndsAsTheUninterruptedRun) {
  TempDir dir;
  std::string config = dir.write("resume.toml", kResumeConfig);
  const std::vector<std::string>& sets = GetParam().sets;
  CliResult reference = run_minidl(train_args(config, dir.path("reference"), sets));
  ASSERT_EQ(reference.code, 0) << describe(reference);
  // Steps of 4 per epoch and 12 per run: 1 and 14 are mid-epoch (run 0 and run 1), 4 and 16 end
  // an epoch, 12 ends run 0. The chain interrupts four times: after steps 3, 8, 12 and 18.
  std::vector<std::vector<int>> cases = {{14}, {3, 5, 4, 6}};
  if (GetParam().all_points) cases = {{1}, {4}, {12}, {14}, {16}, {3, 5, 4, 6}};
  for (const auto& stops : cases) {
    std::string name = "stops";
    for (int s : stops) {
      name += '_';  // (two appends: GCC 12 warns -Wrestrict, wrongly, on "_" + to_string)
      name += std::to_string(s);
    }
    SCOPED_TRACE(name);
    train_interrupted(config, dir.path(name), sets, stops);
    if (HasFatalFailure()) return;
    expect_same_run(dir.path("reference"), dir.path(name));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Configs, CliResume,
    ::testing::Values(ResumeCase{"adam", {}, true},
                      // Dropout masks come from per-layer generators that are training state too;
                      // a validation set and early stopping add best_val and best.safetensors.
                      ResumeCase{"dropout_val_early_stopping",
                                 {"model.layers=[{type=\"linear\",out_features=25},{type=\"relu\"},{type=\"dropout\",p=0.3},"
                                  "{type=\"linear\",out_features=2}]",
                                  "data.val_size=50", "train.early_stopping_patience=10"}},
                      // A scheduler stepped after every optimizer step, with momentum cycling.
                      ResumeCase{"onecycle", {"scheduler.name=onecycle", "optimizer.lr=0.05"}},
                      // SGD with momentum, a per-epoch StepLR, and a checkpoint after every epoch.
                      ResumeCase{"sgd_step_checkpoint_every_epoch",
                                 {"optimizer.name=sgd", "optimizer.lr=0.1", "optimizer.momentum=0.9", "scheduler.name=step",
                                  "scheduler.step_size=1", "scheduler.gamma=0.5", "train.checkpoint_seconds=0"}}),
    [](const ::testing::TestParamInfo<ResumeCase>& info) { return std::string(info.param.name); });

// A process killed hard after a periodic checkpoint leaves rows written after it, perhaps a
// half-written last line: the resume drops them and continues from the checkpoint.
TEST(CliResumeAfterACrash, RowsAfterTheCheckpointAndAHalfWrittenLineAreDropped) {
  TempDir dir;
  std::string config = dir.write("resume.toml", kResumeConfig);
  std::vector<std::string> sets{"train.checkpoint_seconds=0"};
  CliResult reference = run_minidl(train_args(config, dir.path("reference"), sets));
  ASSERT_EQ(reference.code, 0) << describe(reference);
  // Interrupted after 6 steps (mid-epoch 2), so the last checkpoint is the one of epoch 1's end...
  std::string out = dir.path("crashed");
  CliResult r = run_minidl(train_args(config, out, sets), {{"MINIDL_STOP_AFTER_STEPS", "6"}});
  ASSERT_EQ(r.code, 130) << describe(r);
  // ...but pretend the process died between the steps and the checkpoint: put back the
  // checkpoint of epoch 1 (from a run stopped there), and leave the later rows and a torn line.
  std::string at_epoch_1 = dir.path("epoch1");
  r = run_minidl(train_args(config, at_epoch_1, sets), {{"MINIDL_STOP_AFTER_STEPS", "4"}});
  ASSERT_EQ(r.code, 130) << describe(r);
  fs::copy_file(at_epoch_1 + "/checkpoint.safetensors", out + "/checkpoint.safetensors",
                fs::copy_options::overwrite_existing);
  std::ofstream(out + "/iterations.csv", std::ios::app) << "0";  // torn in "0,6,1.75,...": no newline
  std::ofstream(out + "/metrics.csv", std::ios::app) << "0,1";      // torn in "0,10,..." of a longer run
  r = run_minidl({"train", "--resume", out, "--threads", "1", "--quiet"});
  ASSERT_EQ(r.code, 0) << describe(r);
  expect_same_run(dir.path("reference"), out);
}

TEST(CliResumeAfterACrash, ARealSigkillAfterACheckpointResumesToTheSameEnd) {
  TempDir dir;
  std::string config = dir.write("resume.toml", kResumeConfig);
  std::vector<std::string> sets{"train.checkpoint_seconds=0", "train.epochs=20"};
  CliResult reference = run_minidl(train_args(config, dir.path("reference"), sets));
  ASSERT_EQ(reference.code, 0) << describe(reference);
  std::string out = dir.path("killed");
  pid_t pid = spawn_minidl(train_args(config, out, sets), dir.path("out.txt"), dir.path("err.txt"));
  auto start = std::chrono::steady_clock::now();
  while (!fs::exists(out + "/checkpoint.safetensors") && std::chrono::steady_clock::now() - start < std::chrono::seconds(20)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ::kill(pid, SIGKILL);
  int code = wait_for(pid);
  if (code == 0) GTEST_SKIP() << "the training ended before it could be killed";
  ASSERT_EQ(code, 128 + SIGKILL);
  CliResult r = run_minidl({"train", "--resume", out, "--threads", "1", "--quiet"});
  ASSERT_EQ(r.code, 0) << describe(r);
  expect_same_run(dir.path("reference"), out);
}

TEST(CliSigint, StopsAfterTheCurrentStepWritesACheckpointAndExits130) {
  TempDir dir;
  std::string config = dir.write("long.toml", R"(
[data]
train_size = 200
test_size = 100
[train]
batch_size = 200
epochs = 3000
)");
  std::string out = dir.path("run");
  pid_t pid = spawn_minidl({"train", config, "--out", out}, dir.path("out.txt"), dir.path("err.txt"));
  // Wait until it trains (a few epochs in metrics.csv), then Ctrl-C.
  auto start = std::chrono::steady_clock::now();
  while (lines_of(read_text(out + "/metrics.csv")).size() < 4 &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(20)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ::kill(pid, SIGINT);
  int code = wait_for(pid);
  std::string err = read_text(dir.path("err.txt"));
  ASSERT_EQ(code, 130) << err;
  EXPECT_THAT(err, HasSubstr("interrupted"));
  EXPECT_THAT(err, HasSubstr("minidl train --resume " + out));
  EXPECT_TRUE(fs::exists(out + "/checkpoint.safetensors"));
  EXPECT_FALSE(fs::exists(out + "/summary.json"));
  size_t done = read_csv_file(out + "/metrics.csv").rows.size();
  EXPECT_LT(done, 3000u);

  CliResult r = run_minidl({"train", "--resume", out, "--quiet"});
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_EQ(read_csv_file(out + "/metrics.csv").rows.size(), 3000u);
  nlohmann::json s = read_json(out + "/summary.json");
  EXPECT_EQ(s["runs"].size(), 1u);
  EXPECT_EQ(s["runs"][0]["epochs"], 3000);
}

TEST(CliCheckpoint, IsWrittenAtTheEndOfATraining) {
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  CliResult r = run_minidl({"train", config, "--set", "train.epochs=2", "--quiet", "--out", dir.path("run")});
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(fs::exists(dir.path("run/checkpoint.safetensors")));
  // Resuming a finished training changes nothing.
  std::string before = read_text(dir.path("run/metrics.csv"));
  nlohmann::json summary = read_json(dir.path("run/summary.json"));
  r = run_minidl({"train", "--resume", dir.path("run"), "--quiet"});
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_EQ(read_text(dir.path("run/metrics.csv")), before);
  EXPECT_EQ(read_json(dir.path("run/summary.json"))["runs"][0]["test_accuracy"], summary["runs"][0]["test_accuracy"]);
  EXPECT_EQ(read_json(dir.path("run/summary.json"))["runs"].size(), 1u);
}

}  // namespace
}  // namespace minidl::testing

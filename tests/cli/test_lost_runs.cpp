// Issue 14, findings 12-15: runs that were lost or damaged: two writers of one folder, default
// folder names that collided, an interrupted or failed plot step, and labels found bad only
// after training (leaving a partial folder and circular advice).
#include <sys/file.h>

#include "cli/hostile_support.h"

namespace minidl::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

// Finding 12: two `train --out SAME` both exited 0 and the first run's results were overwritten;
// two `--resume SAME` left duplicate rows in metrics.csv.
TEST(CliLostRuns, ASecondWriterOfARunFolderFailsAtOnce) {
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  std::vector<pid_t> pids;
  for (int i = 0; i < 2; ++i) {
    pids.push_back(spawn_minidl({"train", config, "--set", "train.epochs=60", "--out", dir.path("same"), "--quiet"},
                                dir.path("out" + std::to_string(i)), dir.path("err" + std::to_string(i))));
  }
  int ok = 0;
  for (size_t i = 0; i < pids.size(); ++i) {
    int code = wait_for(pids[i]);
    ok += code == 0;
    if (code != 0) {
      std::string err = read_text(dir.path("err" + std::to_string(i)));
      EXPECT_TRUE(err.find("is being written by another minidl") != std::string::npos ||
                  err.find("exists and is not empty") != std::string::npos || err.find("is not empty") != std::string::npos)
          << err;
    }
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(read_csv_file(dir.path("same/metrics.csv")).rows.size(), 60u);

  // A process that holds the folder's lock: --resume fails at once, naming it.
  ASSERT_EQ(run_minidl({"train", config, "--out", dir.path("paused")}, {{"MINIDL_STOP_AFTER_STEPS", "3"}}).code, 130);
  int fd = ::open(dir.path("paused/.lock").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  std::string rows_before = read_text(dir.path("paused/metrics.csv"));
  CliResult busy = run_minidl({"train", "--resume", dir.path("paused")});
  EXPECT_EQ(busy.code, 1) << describe(busy);
  EXPECT_THAT(busy.err, HasSubstr(dir.path("paused") + " is being written by another minidl"));
  EXPECT_EQ(read_text(dir.path("paused/metrics.csv")), rows_before);
  ::close(fd);
  EXPECT_EQ(run_minidl({"train", "--resume", dir.path("paused")}).code, 0);
}

// Finding 13: three runs started in the same second: the third failed (one-second folder names).
TEST(CliLostRuns, DefaultFolderNamesNeverCollide) {
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  std::vector<pid_t> pids;
  for (int i = 0; i < 3; ++i) {
    pids.push_back(spawn_minidl({"train", config, "--set", "train.epochs=2", "--quiet"}, dir.path("out" + std::to_string(i)),
                                dir.path("err" + std::to_string(i)), {}, dir.dir()));
  }
  for (size_t i = 0; i < pids.size(); ++i) {
    EXPECT_EQ(wait_for(pids[i]), 0) << read_text(dir.path("err" + std::to_string(i)));
  }
  int folders = 0;
  for (const auto& entry : fs::directory_iterator(dir.path("runs"))) folders += fs::exists(entry.path() / "summary.json");
  EXPECT_EQ(folders, 3);
}

// A fake gnuplot (first in PATH) that creates its output file, then behaves as `behaviour` says.
std::string fake_gnuplot(const TempDir& dir, const std::string& behaviour) {
  fs::create_directories(dir.path("bin"));
  std::string script = dir.write("bin/gnuplot",
                                 "#!/bin/sh\nout=$(sed -n \"s/^set output '\\(.*\\)'$/\\1/p\" \"$1\" | head -n 1)\n: > \"$out\"\n" +
                                     behaviour + "\n");
  fs::permissions(script, fs::perms::owner_all);
  return dir.path("bin") + ":" + std::getenv("PATH");
}

// Finding 14: Ctrl-C while the plots were drawn left a 0-byte curves.png and exit 0; a failed
// gnuplot left a blank PNG and a warning citing a gnuplot.log that no longer existed.
TEST(CliLostRuns, AnInterruptedPlotStepLeavesNoEmptyPngAndExits130) {
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  std::string path = fake_gnuplot(dir, "touch \"$0.started\"\nexec sleep 30");
  pid_t pid = spawn_minidl({"train", config, "--set", "train.epochs=2", "--out", dir.path("run")}, dir.path("out"),
                           dir.path("err"), {{"PATH", path}});
  bool started = false;
  for (int i = 0; i < 600 && !started; ++i) {  // until gnuplot runs (at most 60 s)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    started = fs::exists(dir.path("bin/gnuplot.started"));
  }
  ASSERT_TRUE(started) << read_text(dir.path("err"));
  ::kill(pid, SIGINT);
  EXPECT_EQ(wait_for(pid), 130) << read_text(dir.path("err"));
  EXPECT_THAT(read_text(dir.path("err")), HasSubstr("interrupted while drawing the plots"));
  EXPECT_TRUE(fs::exists(dir.path("run/summary.json")));  // the results are kept
  for (const auto& entry : fs::directory_iterator(dir.path("run"))) {
    if (entry.path().extension() == ".png") ADD_FAILURE() << "a PNG was left: " << entry.path();
    EXPECT_EQ(entry.path().string().find(".part"), std::string::npos) << entry.path();
  }
}

TEST(CliLostRuns, AFailedGnuplotKeepsItsLogNextToThePlot) {
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  std::string path = fake_gnuplot(dir, "echo \"line 12: all points y value undefined!\" >&2\nexit 1");
  CliResult r = run_minidl({"train", config, "--set", "train.epochs=2", "--out", dir.path("run")}, {{"PATH", path}});
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("gnuplot failed on " + dir.path("run/curves.gp") + ", curves.png not drawn (its messages: " +
                               dir.path("run/curves.gnuplot.log") + ")"));
  EXPECT_THAT(read_text(dir.path("run/curves.gnuplot.log")), HasSubstr("all points y value undefined"));
  EXPECT_FALSE(fs::exists(dir.path("run/curves.png")));
  EXPECT_FALSE(fs::exists(dir.path("run/.curves.png.part")));
}

// Finding 14's example: loss.name = nll on outputs that are not log-probabilities gives negative
// losses, which gnuplot refused on the log axis (a blank PNG and a warning).
TEST(CliLostRuns, NegativeLossesArePlottedOnALinearAxis) {
  if (!gnuplot_available()) GTEST_SKIP() << "gnuplot is not installed";
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  CliResult r = run_minidl({"train", config, "--set", "loss.name=nll", "--set", "train.epochs=3", "--out", dir.path("run")});
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_THAT(r.err, Not(HasSubstr("warning")));
  ASSERT_TRUE(fs::exists(dir.path("run/curves.png")));
  EXPECT_GT(fs::file_size(dir.path("run/curves.png")), 10000u);  // a blank 1100x450 PNG is ~2.5 kB
}

// Finding 15: a bad label was found after training, without file or line, leaving a partial run
// folder; and the advice for a folder without a checkpoint went in a circle.
TEST(CliLostRuns, LabelsAreCheckedBeforeTrainingWithFileAndLine) {
  TempDir dir;
  dir.write("train.csv", classification_csv(40, "0.5,0.25,7\n"));
  dir.write("test.csv", classification_csv(20));
  std::string config = dir.write("c.toml", csv_config(dir.dir(), "\n[model]\nlayers = [{type = \"linear\", out_features = 8}, "
                                                                  "{type = \"relu\"}, {type = \"linear\", out_features = 2}]\n"));
  CliResult r = run_minidl({"train", config, "--out", dir.path("run")});
  EXPECT_EQ(r.code, 1) << describe(r);
  EXPECT_THAT(r.err, HasSubstr(dir.path("train.csv") + ":42: column 'label': class 7, but the model of " + config +
                               " has 2 outputs (classes 0 to 1)"));
  EXPECT_FALSE(fs::exists(dir.path("run")));
  // A class only in the test file.
  dir.write("train.csv", classification_csv(40));
  dir.write("test.csv", classification_csv(20, "0.5,0.25,2\n"));
  CliResult test_only = run_minidl({"train", dir.write("d.toml", csv_config(dir.dir())), "--out", dir.path("run")});
  EXPECT_EQ(test_only.code, 1) << describe(test_only);
  EXPECT_THAT(test_only.err, HasSubstr(dir.path("test.csv") + ":22: column 'label': class 2 never occurs in the training file"));
  EXPECT_FALSE(fs::exists(dir.path("run")));
}

TEST(CliLostRuns, TheAdviceForAFolderWithoutACheckpointLeadsSomewhere) {
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  // A run killed before its first checkpoint: its files, no checkpoint.
  ASSERT_EQ(run_minidl({"train", config, "--set", "train.epochs=1", "--out", dir.path("run"), "--quiet"}).code, 0);
  fs::remove(dir.path("run/checkpoint.safetensors"));
  CliResult fresh = run_minidl({"train", config, "--out", dir.path("run")});
  EXPECT_EQ(fresh.code, 2) << describe(fresh);
  EXPECT_THAT(fresh.err, Not(HasSubstr("--resume")));
  EXPECT_THAT(fresh.err, HasSubstr("it holds no checkpoint to continue from"));
  CliResult resume = run_minidl({"train", "--resume", dir.path("run")});
  EXPECT_EQ(resume.code, 2) << describe(resume);
  EXPECT_THAT(resume.err, HasSubstr("stopped before its first checkpoint and cannot be continued; remove the folder"));
}

}  // namespace
}  // namespace minidl::testing

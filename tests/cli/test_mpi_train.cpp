// `mpirun -n N minidl train` and `grid`. train: data-parallel training; only rank 0 writes the
// run folder, the metrics are those of the global batches, summary.json records the world size,
// and --resume continues exactly on the same number of processes and refuses another. grid: the
// settings are shared among the ranks. Skipped when the build has no MPI.
#include "cli_support.h"
#include "dist/mpi_run.h"

namespace minidl::testing {
namespace {

using ::testing::HasSubstr;

#define SKIP_WITHOUT_MPI()                                          \
  do {                                                              \
    if (!mpi_tests_enabled()) GTEST_SKIP() << mpi_skip_reason();    \
  } while (0)

std::vector<std::string> files_of(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(MpiTrain, TwoRanksTrainOneModelAndRankZeroWritesTheFolder) {
  SKIP_WITHOUT_MPI();
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  CliResult one = run_minidl({"train", config, "--out", dir.path("one"), "--quiet"});
  ASSERT_EQ(one.code, 0) << describe(one);
  MpiResult two = run_mpi(2, {"train", config, "--out", dir.path("two"), "--quiet"}, MINIDL_CLI_PATH);
  ASSERT_EQ(two.code, 0) << two.describe();
  // One summary line (rank 0's), and the same files as a one-process run.
  EXPECT_EQ(lines_of(two.out).size(), 1u) << two.describe();
  EXPECT_EQ(files_of(dir.path("two")), files_of(dir.path("one")));
  nlohmann::json s1 = read_json(dir.path("one/summary.json")), s2 = read_json(dir.path("two/summary.json"));
  EXPECT_EQ(s2["world_size"], 2);
  EXPECT_EQ(s1["world_size"], 1);
  EXPECT_EQ(s2["system"]["world_size"], 2);
  // The same global batches, summed in another order: the same training up to rounding.
  EXPECT_NEAR(s2["train_loss"].get<double>(), s1["train_loss"].get<double>(), 1e-4 * s1["train_loss"].get<double>());
  EXPECT_NEAR(s2["test_accuracy"].get<double>(), s1["test_accuracy"].get<double>(), 0.011);
  // The epoch's training loss is the global batches' (all 200 examples), not rank 0's half.
  Csv m1 = read_csv_file(dir.path("one/metrics.csv")), m2 = read_csv_file(dir.path("two/metrics.csv"));
  ASSERT_EQ(m2.rows.size(), m1.rows.size());
  int loss = m1.column("train_loss");
  for (size_t i = 0; i < m1.rows.size(); ++i) {
    EXPECT_NEAR(std::stod(m2.rows[i][loss]), std::stod(m1.rows[i][loss]), 1e-4 * std::stod(m1.rows[i][loss])) << i;
  }
}

TEST(MpiTrain, ResumeContinuesExactlyAndRefusesAnotherWorldSize) {
  SKIP_WITHOUT_MPI();
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  MpiResult whole = run_mpi(2, {"train", config, "--out", dir.path("whole"), "--quiet"}, MINIDL_CLI_PATH);
  ASSERT_EQ(whole.code, 0) << whole.describe();
  // Interrupted after 6 steps (the test hook acts as Ctrl-C on every rank at the same step).
  MpiResult part = run_mpi(2, {"train", config, "--out", dir.path("part"), "--quiet"}, MINIDL_CLI_PATH,
                           {{"MINIDL_STOP_AFTER_STEPS", "6"}});
  ASSERT_EQ(part.code, 130) << part.describe();
  EXPECT_THAT(part.err, HasSubstr("mpirun -n 2 minidl train --resume")) << part.describe();

  MpiResult three = run_mpi(3, {"train", "--resume", dir.path("part")}, MINIDL_CLI_PATH);
  EXPECT_EQ(three.code, 2) << three.describe();
  EXPECT_THAT(three.err, HasSubstr("the run was trained on 2 processes and this is 3 processes; resume it with mpirun -n 2"))
      << three.describe();
  CliResult alone = run_minidl({"train", "--resume", dir.path("part")});
  EXPECT_EQ(alone.code, 2) << describe(alone);
  EXPECT_THAT(alone.err, HasSubstr("this is 1 process; resume it with mpirun -n 2")) << describe(alone);

  MpiResult resumed = run_mpi(2, {"train", "--resume", dir.path("part"), "--quiet"}, MINIDL_CLI_PATH);
  ASSERT_EQ(resumed.code, 0) << resumed.describe();
  Csv a = read_csv_file(dir.path("whole/metrics.csv")), b = read_csv_file(dir.path("part/metrics.csv"));
  ASSERT_EQ(a.rows.size(), b.rows.size());
  int test_loss = a.column("test_loss"), train_loss = a.column("train_loss");
  for (size_t i = 0; i < a.rows.size(); ++i) {
    EXPECT_EQ(b.rows[i][test_loss], a.rows[i][test_loss]) << "epoch row " << i;
    EXPECT_EQ(b.rows[i][train_loss], a.rows[i][train_loss]) << "epoch row " << i;
  }
}

// A summary.json without the figures that time the run (they differ between any two runs).
nlohmann::json without_timings(nlohmann::json s) {
  for (const char* key : {"train_seconds", "epochs_per_second", "samples_per_second", "startup_seconds", "peak_rss_mb",
                          "system"}) {
    s.erase(key);
  }
  for (auto& run : s["runs"]) {
    for (const char* key : {"train_seconds", "epochs_per_second", "samples_per_second"}) run.erase(key);
  }
  return s;
}

// train --runs N under mpirun: the runs are shared among the ranks, each trained by one process,
// and the folder is the one-process training's.
TEST(MpiTrain, RunsAreSharedAmongRanksAndGiveTheOneProcessFolder) {
  SKIP_WITHOUT_MPI();
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  CliResult one = run_minidl({"train", config, "--runs", "3", "--out", dir.path("one"), "--quiet"});
  ASSERT_EQ(one.code, 0) << describe(one);
  MpiResult two = run_mpi(2, {"train", config, "--runs", "3", "--out", dir.path("two"), "--quiet"}, MINIDL_CLI_PATH);
  ASSERT_EQ(two.code, 0) << two.describe();
  EXPECT_EQ(lines_of(two.out).size(), 1u) << two.describe();
  EXPECT_EQ(files_of(dir.path("two")), files_of(dir.path("one")));
  nlohmann::json a = read_json(dir.path("one/summary.json")), b = read_json(dir.path("two/summary.json"));
  ASSERT_EQ(b["runs"].size(), 3u);
  EXPECT_EQ(without_timings(b), without_timings(a));
  EXPECT_EQ(read_text(dir.path("two/iterations.csv")), read_text(dir.path("one/iterations.csv")));
  Csv m1 = read_csv_file(dir.path("one/metrics.csv")), m2 = read_csv_file(dir.path("two/metrics.csv"));
  ASSERT_EQ(m2.rows.size(), m1.rows.size());
  int seconds = m1.column("seconds");
  for (size_t i = 0; i < m1.rows.size(); ++i) {
    m1.rows[i][seconds] = m2.rows[i][seconds] = "";
    EXPECT_EQ(m2.rows[i], m1.rows[i]) << "row " << i;
  }
  EXPECT_EQ(read_text(dir.path("two/model.safetensors")), read_text(dir.path("one/model.safetensors")));
}

// grid under mpirun: the settings are shared among the ranks (each trained by one process), and
// grid.json is the one-process grid's, but for the timings.
TEST(MpiGrid, RanksShareTheSettingsAndWriteTheOneProcessGrid) {
  SKIP_WITHOUT_MPI();
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  std::vector<std::string> args = {"grid", config, "--set", "optimizer.lr=[0.001,0.01,0.05]", "--runs", "2", "--quiet"};
  std::vector<std::string> one_args = args, two_args = args;
  one_args.insert(one_args.end(), {"--out", dir.path("one")});
  two_args.insert(two_args.end(), {"--out", dir.path("two")});
  CliResult one = run_minidl(one_args);
  ASSERT_EQ(one.code, 0) << describe(one);
  MpiResult two = run_mpi(2, two_args, MINIDL_CLI_PATH);
  ASSERT_EQ(two.code, 0) << two.describe();
  nlohmann::json a = read_json(dir.path("one/grid.json")), b = read_json(dir.path("two/grid.json"));
  ASSERT_EQ(b["settings"].size(), 3u);
  for (auto* grid : {&a, &b}) {
    for (auto& row : (*grid)["settings"]) row.erase("train_seconds_mean");
  }
  EXPECT_EQ(b, a);
  // Each setting's folder is complete, whichever rank trained it.
  for (const char* setting : {"lr=0.001", "lr=0.01", "lr=0.05"}) {
    std::string sub = std::string("/") + setting;
    EXPECT_EQ(files_of(dir.path("two") + sub), files_of(dir.path("one") + sub)) << setting;
    EXPECT_EQ(read_json(dir.path("two") + sub + "/summary.json")["world_size"], 1) << setting;
  }
  // One table and one "best" line, from rank 0.
  size_t best = 0;
  for (const std::string& line : lines_of(two.out)) best += line.rfind("best: ", 0) == 0;
  EXPECT_EQ(best, 1u) << two.describe();
}

TEST(MpiTrain, InfoSystemNamesMpiAndTheWorldSize) {
  SKIP_WITHOUT_MPI();
  CliResult alone = run_minidl({"info", "--system"});
  ASSERT_EQ(alone.code, 0) << describe(alone);
  EXPECT_THAT(alone.out, HasSubstr("MPI              Open MPI")) << alone.out;
  EXPECT_THAT(alone.out, HasSubstr("processes        1 (run under mpirun -n N for more)")) << alone.out;
  MpiResult two = run_mpi(2, {"info", "--system"}, MINIDL_CLI_PATH);
  ASSERT_EQ(two.code, 0) << two.describe();
  EXPECT_THAT(two.out, HasSubstr("processes        2 (this is rank 1)")) << two.out;
}

}  // namespace
}  // namespace minidl::testing

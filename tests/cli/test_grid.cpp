// `minidl grid`: the cartesian product of swept config values, each trained --runs times into a
// normal run folder, summarised in grid.json, a table and grid.png.
#include "cli/cli_support.h"

namespace minidl::testing {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

TEST(CliGrid, TrainsEverySettingAndSummarisesMeanAndStd) {
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  std::string out = dir.path("grid");
  CliResult r = run_minidl({"grid", config, "--set", "optimizer.lr=[0.001, 0.03]", "--set", "train.batch_size=[50,100]",
                            "--set", "train.epochs=3", "--runs", "2", "--out", out});
  ASSERT_EQ(r.code, 0) << describe(r);
  nlohmann::json grid = read_json(out + "/grid.json");
  EXPECT_EQ(grid["runs"], 2);
  EXPECT_EQ(grid["swept"], nlohmann::json({"optimizer.lr", "train.batch_size"}));
  ASSERT_EQ(grid["settings"].size(), 4u);
  std::vector<std::pair<double, int>> expected = {{0.001, 50}, {0.001, 100}, {0.03, 50}, {0.03, 100}};
  for (size_t i = 0; i < 4; ++i) {
    const nlohmann::json& s = grid["settings"][i];
    SCOPED_TRACE(s.dump());
    EXPECT_EQ(s["set"]["optimizer.lr"].get<double>(), expected[i].first);
    EXPECT_EQ(s["set"]["train.batch_size"].get<int>(), expected[i].second);
    // Each setting is a normal run folder, its config with the setting applied.
    std::string run = out + "/" + s["dir"].get<std::string>();
    nlohmann::json summary = read_json(run + "/summary.json");
    ASSERT_EQ(summary["runs"].size(), 2u);
    EXPECT_EQ(read_csv_file(run + "/metrics.csv").rows.size(), 2u * 3u);
    EXPECT_EQ(read_csv_file(run + "/iterations.csv").rows.size(), 2u * 3u * (200u / expected[i].second));
    EXPECT_THAT(read_text(run + "/config.toml"), HasSubstr("batch_size = " + std::to_string(expected[i].second)));
    double a0 = summary["runs"][0]["test_accuracy"], a1 = summary["runs"][1]["test_accuracy"];
    EXPECT_NEAR(s["test_accuracy_mean"].get<double>(), (a0 + a1) / 2, 1e-12);
    EXPECT_NEAR(s["test_accuracy_std"].get<double>(), std::abs(a0 - a1) / std::sqrt(2.0), 1e-12);  // sample std
    EXPECT_GE(s["test_accuracy_mean"].get<double>(), 0.0);
    EXPECT_LE(s["test_accuracy_mean"].get<double>(), 1.0);
    EXPECT_GE(s["train_seconds_mean"].get<double>(), 0.0);
    EXPECT_THAT(r.out, HasSubstr(s["name"].get<std::string>()));
  }
  EXPECT_EQ(grid["settings"][0]["name"], "lr=0.001,batch_size=50");
  EXPECT_THAT(r.out, HasSubstr("test accuracy (std)"));
  EXPECT_THAT(r.out, HasSubstr("best: "));
  // Settings differ: the same seeds, other learning rates give other results.
  EXPECT_NE(grid["settings"][0]["test_loss_mean"], grid["settings"][2]["test_loss_mean"]);
  if (gnuplot_available()) {
    ASSERT_TRUE(fs::exists(out + "/grid.png"));
    EXPECT_THAT(read_text(out + "/grid.gp"), HasSubstr("set logscale x"));  // 0.001 to 0.03 spans over 10x
    fs::remove(out + "/grid.png");
    CliResult p = run_minidl({"plot", out});
    EXPECT_EQ(p.code, 0) << describe(p);
    EXPECT_TRUE(fs::exists(out + "/grid.png"));
  }
}

TEST(CliGrid, BadRequestsAreExitCode2AndWriteNothing) {
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  std::string out = dir.path("grid");
  CliResult r = run_minidl({"grid", config, "--set", "train.epochs=3", "--out", out});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("nothing to sweep"));

  r = run_minidl({"grid", config, "--set", "optimizer.lrr=[0.1,0.01]", "--out", out});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("did you mean 'optimizer.lr'?"));

  // The second value is wrong: found before the first setting trains.
  r = run_minidl({"grid", config, "--set", "optimizer.lr=[0.1,-1]", "--out", out});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("optimizer.lr"));

  r = run_minidl({"grid", config, "--set", "optimizer.lr=[]", "--out", out});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("empty"));
  EXPECT_FALSE(fs::exists(out));

  fs::create_directories(out);
  dir.write("grid/keep.txt", "mine");
  r = run_minidl({"grid", config, "--set", "optimizer.lr=[0.1,0.01]", "--out", out});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("exists and is not empty"));
  EXPECT_EQ(fs::directory_iterator(out)->path().filename(), "keep.txt");

  r = run_minidl({"grid", "--set", "optimizer.lr=[0.1,0.01]"});  // CONFIG is required
  EXPECT_EQ(r.code, 2) << describe(r);
}

}  // namespace
}  // namespace minidl::testing

// Issue 14, finding 1: folder names are never shell text. gnuplot is started with an argument
// vector, so quotes, $(), backticks, ';', spaces and UTF-8 in a run folder's name neither run a
// command nor stop the plots.
#include "cli/cli_support.h"

namespace minidl::testing {
namespace {

namespace fs = std::filesystem;

TEST(CliHostileNames, TrainsIntoFoldersWithShellCharactersWithoutRunningThem) {
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  // Each name would run `touch PWNED...` in minidl's working folder if it reached a shell.
  const std::vector<std::string> names = {
      "it's",
      "x'; touch PWNED1; echo '",
      "$(touch PWNED2)",
      "`touch PWNED3`",
      "a b; touch PWNED4 && c",
      "données λ \"q\" | touch PWNED5",
  };
  for (const std::string& name : names) {
    CliResult r = run_minidl({"train", config, "--set", "train.epochs=2", "--out", name, "--quiet"}, {}, dir.dir());
    ASSERT_EQ(r.code, 0) << name << "\n" << describe(r);
    EXPECT_EQ(r.err.find("warning"), std::string::npos) << name << "\n" << r.err;
    fs::path run = fs::path(dir.dir()) / name;
    EXPECT_TRUE(fs::exists(run / "summary.json")) << name;
    if (gnuplot_available()) {
      for (const char* png : {"curves.png", "boundary.png", "dataset.png"}) {
        ASSERT_TRUE(fs::exists(run / png)) << name << ": " << png;
        EXPECT_GT(fs::file_size(run / png), 1000u) << name << ": " << png;
      }
    }
    CliResult plot = run_minidl({"plot", name}, {}, dir.dir());
    if (gnuplot_available()) {
      EXPECT_EQ(plot.code, 0) << name << "\n" << describe(plot);
    }
  }
  for (const auto& entry : fs::recursive_directory_iterator(dir.dir())) {
    EXPECT_EQ(entry.path().filename().string().rfind("PWNED", 0), std::string::npos) << entry.path();
  }
}

TEST(CliHostileNames, GridPlotsIntoAFolderWithQuotes) {
  if (!gnuplot_available()) GTEST_SKIP() << "gnuplot is not installed";
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  std::string out = "g'; touch PWNED; echo '";
  CliResult r = run_minidl({"grid", config, "--set", "optimizer.lr=[0.01,0.02]", "--set", "train.epochs=2", "--out", out},
                           {}, dir.dir());
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(fs::exists(fs::path(dir.dir()) / out / "grid.png"));
  EXPECT_TRUE(fs::exists(fs::path(dir.dir()) / out / "grid_curves.png"));
  EXPECT_FALSE(fs::exists(fs::path(dir.dir()) / "PWNED"));
}

}  // namespace
}  // namespace minidl::testing

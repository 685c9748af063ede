// Issue 14, finding 7: a diverging run (lr = 100) trained NaN losses every epoch and exited 0 with
// 50% accuracy; with --quiet nothing said it diverged. The rule now: the first non-finite loss or
// gradient stops the run, exit 1, a message naming run, epoch and step and the learning rate,
// and summary.json records "diverged". Non-finite config values are config errors.
#include "cli/hostile_support.h"

namespace minidl::testing {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

TEST(CliDivergence, TheFirstNonFiniteLossStopsTheRunAndSaysWhere) {
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  for (bool quiet : {false, true}) {
    std::string out = dir.path(quiet ? "quiet" : "loud");
    std::vector<std::string> args = {"train", config, "--set", "optimizer.name=sgd", "--set", "optimizer.lr=100",
                                     "--set", "train.epochs=20", "--out", out};
    if (quiet) args.push_back("--quiet");
    CliResult r = run_minidl(args);
    ASSERT_EQ(r.code, 1) << describe(r);
    EXPECT_THAT(r.err, HasSubstr("run 1 (seed 0) diverged at epoch "));
    EXPECT_THAT(r.err, HasSubstr(", step "));
    EXPECT_THAT(r.err, HasSubstr("learning rate too large for this model (optimizer.lr = 100)"));
    EXPECT_THAT(r.out, ::testing::Not(HasSubstr("nan")));
    EXPECT_THAT(r.out, ::testing::Not(HasSubstr("test accuracy")));
    nlohmann::json s = read_json(out + "/summary.json");
    ASSERT_TRUE(s.contains("diverged")) << s.dump(2);
    EXPECT_EQ(s["diverged"]["run"], 0);
    EXPECT_GE(s["diverged"]["epoch"].get<int>(), 1);
    EXPECT_GE(s["diverged"]["step"].get<int>(), 1);
    EXPECT_EQ(s["diverged"]["lr"], 100.0);
    // No row with a NaN loss: the rows stop before the step that diverged.
    Csv iterations = read_csv_file(out + "/iterations.csv");
    for (const auto& row : iterations.rows) EXPECT_FALSE(row[iterations.column("loss")].empty());
  }
}

TEST(CliDivergence, NonFiniteConfigValuesAreConfigErrors) {
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  CliResult inf = run_minidl({"train", config, "--set", "optimizer.lr=inf", "--out", dir.path("a")});
  EXPECT_EQ(inf.code, 2) << describe(inf);
  EXPECT_THAT(inf.err, HasSubstr("optimizer.lr: expected a finite number, got inf"));
  CliResult nan = run_minidl({"train", config, "--set",
                              "model.layers=[{type=\"linear\",out_features=8},{type=\"leaky_relu\",negative_slope=nan},"
                              "{type=\"linear\",out_features=2}]",
                              "--out", dir.path("b")});
  EXPECT_EQ(nan.code, 2) << describe(nan);
  EXPECT_THAT(nan.err, HasSubstr("model.layers[1].negative_slope: expected a finite number, got nan"));
  EXPECT_FALSE(fs::exists(dir.path("a")));
  EXPECT_FALSE(fs::exists(dir.path("b")));
}

}  // namespace
}  // namespace minidl::testing

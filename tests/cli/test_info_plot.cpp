// `minidl info` (the model tree and layer table of a config) and `minidl plot DIR` (redraws a
// finished run's plots).
#include "cli/cli_support.h"

namespace minidl::testing {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

TEST(CliInfo, PrintsTheModelTreeAndTheLayerTable) {
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  CliResult r = run_minidl({"info", config});
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("Sequential(\n  (0): Linear(in_features=2, out_features=25, bias=true)\n  (1): ReLU()\n"));
  EXPECT_THAT(r.out, HasSubstr("(6): Linear(in_features=25, out_features=2, bias=true)\n)"));
  EXPECT_THAT(r.out, HasSubstr("Input shape: (1, 2)"));
  EXPECT_THAT(r.out, HasSubstr("(1, 25)"));
  // 2*25 + 25, 2 * (25*25 + 25), 25*2 + 2
  EXPECT_THAT(r.out, HasSubstr("Total params: 1,427"));
  EXPECT_THAT(r.out, HasSubstr("200 training / 0 validation / 200 test examples"));

  // A nested Sequential (report 001) and --set.
  r = run_minidl({"info", config, "--set",
                  "model.layers=[{type=\"sequential\",layers=[{type=\"linear\",out_features=4,bias=false},{type=\"tanh\"}]},"
                  "{type=\"linear\",out_features=2}]"});
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("  (0): Sequential(\n    (0): Linear(in_features=2, out_features=4, bias=false)"));
  EXPECT_THAT(r.out, HasSubstr("Total params: 18"));  // 2*4 + 4*2 + 2
}

// `minidl info --system`: the CPU, its vectors and the kernels each library runs; a train run's
// summary.json records the same facts.
TEST(CliInfo, SystemNamesTheCpuAndTheKernels) {
  CliResult r = run_minidl({"info", "--system"});
  ASSERT_EQ(r.code, 0) << describe(r);
  for (const char* line : {"cpu ", "vector ISA ", "float32 GEMM ", "convolutions ", "OpenBLAS ", "oneDNN ", "threads "}) {
    EXPECT_THAT(r.out, HasSubstr(line));
  }
  EXPECT_THAT(r.out, HasSubstr("kernels "));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("Sequential")));

  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  r = run_minidl({"train", config, "--set", "train.epochs=1", "--quiet", "--out", dir.path("run")});
  ASSERT_EQ(r.code, 0) << describe(r);
  nlohmann::json summary = read_json(dir.path("run/summary.json"));
  ASSERT_TRUE(summary.contains("system")) << summary.dump();
  const nlohmann::json& system = summary["system"];
  for (const char* key : {"cpu", "extensions", "widest_vectors", "openblas_core", "onednn_isa", "libxsmm_isa",
                          "gemm_kernel", "small_gemm_kernel", "conv_kernel", "threads"}) {
    EXPECT_TRUE(system.contains(key)) << key;
  }
  EXPECT_THAT(run_minidl({"info", "--system"}).out, HasSubstr(system["openblas_core"].get<std::string>()));
}

TEST(CliInfo, ConfigErrorsAreExitCode2) {
  TempDir dir;
  std::string config = dir.write("typo.toml", "[optimizer]\nlr = 0.1\nmomentun = 0.9\n");
  CliResult r = run_minidl({"info", config});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_THAT(r.err, HasSubstr(config + ":3: unknown key 'optimizer.momentun' (did you mean 'optimizer.momentum'?)"));
  EXPECT_EQ(r.out, "");
  r = run_minidl({"info", dir.path("absent.toml")});
  EXPECT_EQ(r.code, 2) << describe(r);
  r = run_minidl({"info", "--set", "model.layers=[{type=\"linear\",out_features=2},{type=\"softmax\",dim=3}]"});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("the model does not fit the data"));
}

TEST(CliPlot, RedrawsTheDeletedPlotsOfARun) {
  if (!gnuplot_available()) GTEST_SKIP() << "gnuplot is not installed";
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  CliResult r = run_minidl({"train", config, "--set", "train.epochs=3", "--quiet", "--out", dir.path("run")});
  ASSERT_EQ(r.code, 0) << describe(r);
  for (const char* file : {"curves.png", "boundary.png", "dataset.png", "curves.gp", "curves_mean.csv"}) {
    fs::remove(dir.path("run/") + file);
  }
  r = run_minidl({"plot", dir.path("run")});
  ASSERT_EQ(r.code, 0) << describe(r);
  for (const char* png : {"curves.png", "boundary.png", "dataset.png"}) {
    EXPECT_TRUE(fs::exists(dir.path("run/") + png)) << png;
    EXPECT_THAT(r.out, HasSubstr(dir.path("run/") + png));
    EXPECT_GT(fs::file_size(dir.path("run/") + png), 1000u);
  }
}

TEST(CliPlot, AFolderWithoutRunDataIsExitCode1) {
  TempDir dir;
  fs::create_directories(dir.path("empty"));
  CliResult r = run_minidl({"plot", dir.path("empty")});
  EXPECT_EQ(r.code, 1) << describe(r);
  EXPECT_THAT(r.err, HasSubstr(dir.path("empty") + ": no run data there"));
  r = run_minidl({"plot", dir.path("absent")});
  EXPECT_EQ(r.code, 1) << describe(r);
  EXPECT_THAT(r.err, HasSubstr(dir.path("absent") + ": no such folder"));
  r = run_minidl({"plot"});
  EXPECT_EQ(r.code, 2) << describe(r);
}

}  // namespace
}  // namespace minidl::testing

// Layer rows of the command's registry (tools/minidl/registry/layers.cpp) and the model keys as a
// user writes them: the activations added by one registry line each, and model.init_gain.
#include "cli/cli_support.h"

namespace minidl::testing {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

std::string with_layers(const std::string& activation) {
  return std::string(kSmallConfig) + "\n[model]\nlayers = [{ type = \"linear\", out_features = 16 }, " + activation +
         ", { type = \"linear\", out_features = 2 }]\n";
}

TEST(CliLayers, GeluAndSiluTrainAndShowTheirModules) {
  TempDir dir;
  for (auto [name, layer, module] :
       {std::tuple<std::string, std::string, std::string>{"gelu", "{ type = \"gelu\" }", "(1): GELU(approximate='none')"},
        {"gelu_tanh", "{ type = \"gelu\", approximate = \"tanh\" }", "(1): GELU(approximate='tanh')"},
        {"silu", "{ type = \"silu\" }", "(1): SiLU()"}}) {
    std::string config = dir.write(name + ".toml", with_layers(layer));
    CliResult info = run_minidl({"info", config});
    ASSERT_EQ(info.code, 0) << describe(info);
    EXPECT_THAT(info.out, HasSubstr(module)) << name;  // the model's structure
    CliResult r = run_minidl({"train", config, "--quiet", "--set", "train.epochs=2", "--out", dir.path(name)});
    ASSERT_EQ(r.code, 0) << describe(r);
    EXPECT_GE(read_json(dir.path(name + "/summary.json"))["test_accuracy"].get<double>(), 0.0);
  }
  std::string bad = dir.write("bad.toml", with_layers("{ type = \"gelu\", approximate = \"fast\" }"));
  CliResult r = run_minidl({"train", bad, "--out", dir.path("bad")});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("approximate"));
}

// model.init_gain scales the xavier inits (report 001's sqrt(2)) and is refused with an init that
// takes no gain, before anything is written.
TEST(CliLayers, InitGainScalesXavierAndIsRefusedElsewhere) {
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  CliResult r = run_minidl({"train", config, "--quiet", "--set", "model.init=xavier_normal", "--set",
                            "model.init_gain=1.4142135623730951", "--set", "train.epochs=1", "--out", dir.path("gain")});
  ASSERT_EQ(r.code, 0) << describe(r);
  r = run_minidl({"train", config, "--set", "model.init=kaiming_normal", "--set", "model.init_gain=2", "--out",
                  dir.path("kaiming")});
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("gain"));
  EXPECT_FALSE(fs::exists(dir.path("kaiming")));
}

}  // namespace
}  // namespace minidl::testing

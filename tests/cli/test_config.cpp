// Config: defaults, --set overrides, and every kind of error with file, line and key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "config.h"
#include "minidl/error.h"
#include "registry/registry.h"

namespace minidl::cli {
namespace {

using ::testing::HasSubstr;

std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    Config::parse(text, "test.toml", overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Config, DefaultsAndValues) {
  Config c = Config::parse("[optimizer]\nname = \"sgd\"\nlr = 0.1\nmomentum = 0.9\n[train]\nepochs = 10\n", "t.toml");
  EXPECT_EQ(c.get_string("optimizer.name"), "sgd");
  EXPECT_EQ(c.get_float("optimizer.lr"), 0.1);
  EXPECT_EQ(c.get_float("optimizer.momentum"), 0.9);
  EXPECT_EQ(c.get_int("train.epochs"), 10);
  EXPECT_EQ(c.get_int("train.batch_size"), 50);  // default
  EXPECT_EQ(c.get_string("data.source"), "disk");
  EXPECT_EQ(c.get_floats("optimizer.betas"), (std::vector<double>{0.9, 0.999}));
  EXPECT_TRUE(c.has("optimizer.lr"));
  EXPECT_FALSE(c.has("train.seed"));
  EXPECT_TRUE(c.warnings().empty());
}

TEST(Config, IntegersAreAcceptedAsNumbers) {
  Config c = Config::parse("[optimizer]\nlr = 1\n", "t.toml");
  EXPECT_EQ(c.get_float("optimizer.lr"), 1.0);
}

TEST(Config, SetParsesTomlLiterals) {
  Config c = Config::parse("[optimizer]\nname = \"sgd\"\n", "t.toml",
                           {"optimizer.name=adam", "optimizer.betas=[0.9,0.99]", "train.epochs=3",
                            "data.standardize=false", "optimizer.lr=1e-2", "loss.name=\"mse\""});
  EXPECT_EQ(c.get_string("optimizer.name"), "adam");
  EXPECT_EQ(c.get_floats("optimizer.betas"), (std::vector<double>{0.9, 0.99}));
  EXPECT_EQ(c.get_int("train.epochs"), 3);
  EXPECT_FALSE(c.get_bool("data.standardize"));
  EXPECT_EQ(c.get_float("optimizer.lr"), 0.01);
  EXPECT_EQ(c.get_string("loss.name"), "mse");
}

TEST(Config, KeysOfAnotherOptimizerAreIgnoredWithAWarning) {
  Config c = Config::parse("[optimizer]\nname = \"sgd\"\nmomentum = 0.9\n", "t.toml", {"optimizer.name=adam"});
  ASSERT_EQ(c.warnings().size(), 1u);
  EXPECT_THAT(c.warnings()[0], HasSubstr("t.toml:3: optimizer.momentum is ignored"));
  EXPECT_THAT(c.warnings()[0], HasSubstr("not \"adam\""));
}

TEST(Config, UnknownKeyNamesFileLineKeyAndSuggestion) {
  std::string e = error_of("[optimizer]\nname = \"sgd\"\nmomentun = 0.9\n");
  EXPECT_THAT(e, HasSubstr("test.toml:3: unknown key 'optimizer.momentun' (did you mean 'optimizer.momentum'?)"));
  EXPECT_THAT(error_of("[optimiser]\nlr = 0.1\n"), HasSubstr("unknown key 'optimiser.lr' (did you mean 'optimizer.lr'?)"));
  EXPECT_THAT(error_of("epochs = 3\n"), HasSubstr("test.toml:1: unknown key 'epochs'"));
}

TEST(Config, WrongTypesAndValuesAreErrors) {
  EXPECT_THAT(error_of("[train]\nepochs = \"ten\"\n"),
              HasSubstr("test.toml:2: train.epochs: expected an integer, got \"ten\" (a string)"));
  EXPECT_THAT(error_of("[train]\nepochs = 2.5\n"), HasSubstr("train.epochs: expected an integer, got 2.5"));
  EXPECT_THAT(error_of("[optimizer]\nlr = -0.1\n"), HasSubstr("test.toml:2: optimizer.lr: expected a number > 0, got -0.1"));
  EXPECT_THAT(error_of("[optimizer]\nname = \"adamm\"\n"), HasSubstr("unknown value \"adamm\" (did you mean \"adam\"?)"));
  EXPECT_THAT(error_of("[train]\nbatch_size = 0\n"), HasSubstr("train.batch_size: expected an integer >= 1, got 0"));
  EXPECT_THAT(error_of("[optimizer]\nbetas = [0.9]\n"), HasSubstr("optimizer.betas: expected 2 numbers"));
  EXPECT_THAT(error_of("[train\n"), HasSubstr("test.toml:1: invalid TOML"));
}

// Issue 14, finding 7: lr = inf passed validation and trained NaNs; nan in a layer option too.
TEST(Config, NonFiniteNumbersAreErrors) {
  EXPECT_THAT(error_of("[optimizer]\nlr = inf\n"), HasSubstr("test.toml:2: optimizer.lr: expected a finite number, got inf"));
  EXPECT_THAT(error_of("", {"optimizer.lr=-inf"}), HasSubstr("--set optimizer.lr=-inf: optimizer.lr: expected a finite number"));
  EXPECT_THAT(error_of("[optimizer]\nbetas = [0.9, nan]\n"), HasSubstr("optimizer.betas[1]: expected a finite number"));
  EXPECT_THAT(error_of("", {"model.layers=[{type=\"linear\",out_features=2},{type=\"leaky_relu\",negative_slope=nan}]"}),
              HasSubstr("model.layers[1].negative_slope: expected a finite number, got nan"));
  EXPECT_THAT(error_of("[scheduler]\nname = \"onecycle\"\nmax_lr = nan\n"), HasSubstr("scheduler.max_lr: expected a finite number"));
}

TEST(Config, SetErrorsNameTheSet) {
  EXPECT_THAT(error_of("", {"optimizer.lr=abc def"}), HasSubstr("--set optimizer.lr=abc def"));
  EXPECT_THAT(error_of("", {"optimizer.lr=fast"}), HasSubstr("--set optimizer.lr=fast: optimizer.lr: expected a number"));
  EXPECT_THAT(error_of("", {"optimizer.lr"}), HasSubstr("expected key=value"));
  EXPECT_THAT(error_of("", {"optimizer.lrr=0.1"}), HasSubstr("--set optimizer.lrr=0.1: unknown key 'optimizer.lrr'"));
}

TEST(Config, LayersAreValidated) {
  Config c = Config::parse(
      "[model]\nlayers = [{type = \"linear\", out_features = 25}, {type = \"relu\"}, "
      "{type = \"sequential\", layers = [{type = \"dropout\", p = 0.1}]}]\n",
      "t.toml");
  ASSERT_NE(c.layers(), nullptr);
  EXPECT_EQ(c.layers()->size(), 3u);
  EXPECT_THAT(error_of("[model]\nlayers = [{type = \"linera\", out_features = 2}]\n"),
              HasSubstr("model.layers[0].type: unknown layer type 'linera' (did you mean 'linear'?)"));
  EXPECT_THAT(error_of("[model]\nlayers = [{type = \"linear\"}]\n"), HasSubstr("a linear layer needs 'out_features'"));
  EXPECT_THAT(error_of("[model]\nlayers = [{type = \"relu\", slope = 1}]\n"),
              HasSubstr("unknown option 'slope' for a relu layer (it takes none)"));
  EXPECT_THAT(error_of("[model]\nlayers = [{type = \"sequential\", layers = [{type = \"linear\", out_features = \"x\"}]}]\n"),
              HasSubstr("model.layers[0].layers[0].out_features: expected an integer"));
}

TEST(Config, RoundTripsThroughToToml) {
  Config c = Config::parse("[optimizer]\nname = \"sgd\"\n", "t.toml", {"train.epochs=7"});
  Config d = Config::parse(c.to_toml(), "copy.toml");
  EXPECT_EQ(d.get_int("train.epochs"), 7);
  EXPECT_EQ(d.get_string("optimizer.name"), "sgd");
}

TEST(Config, EditDistance) {
  EXPECT_EQ(edit_distance("momentun", "momentum"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

}  // namespace
}  // namespace minidl::cli

namespace minidl::cli {
namespace {

// docs/CONFIG.md shows the registry's tables exactly as `minidl info --config-tables` prints them,
// and no other table: a row added without its docs (or docs edited by hand) fails here.
TEST(ConfigTables, DocsMatchTheRegistry) {
  std::ifstream in(std::string(MINIDL_SOURCE_DIR) + "/docs/CONFIG.md");
  ASSERT_TRUE(in);
  std::stringstream text;
  text << in.rdbuf();
  std::string docs = text.str();
  std::vector<std::string> blocks = config_tables();
  for (const std::string& block : blocks) {
    EXPECT_NE(docs.find(block), std::string::npos)
        << "docs/CONFIG.md lacks this table (run `minidl info --config-tables` and paste it):\n" << block;
  }
  std::istringstream lines(docs);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("|", 0) != 0) continue;
    bool generated = false;
    for (const std::string& block : blocks) generated = generated || block.find(line + "\n") != std::string::npos;
    EXPECT_TRUE(generated) << "docs/CONFIG.md has a table line the registry does not print:\n" << line;
  }
}

// Every optimizer and scheduler row builds, reading only the options it declares.
TEST(Registry, EveryOptimizerAndSchedulerRowBuilds) {
  Tensor w = zeros({2, 2}).requires_grad_();
  for (const OptimizerRow& row : optimizer_rows()) {
    Config c = Config::parse("", "t.toml", {"optimizer.name=" + row.name});
    EXPECT_NE(build_optimizer(c, {w}), nullptr) << row.name;
    EXPECT_EQ(is_full_batch(c), row.name == "lbfgs" || row.name == "bfgs");
  }
  for (const SchedulerRow& row : scheduler_rows()) {
    Config c = Config::parse("", "t.toml", {"optimizer.name=sgd", "scheduler.name=" + row.name});
    auto optimizer = build_optimizer(c, {w});
    Schedule schedule(c, *optimizer, 10);
    EXPECT_EQ(schedule.active(), row.name != "none") << row.name;
  }
}

TEST(Registry, DefaultsComeFromTheChosenRow) {
  EXPECT_EQ(Config::parse("", "t.toml", {"optimizer.name=adamw"}).get_float("optimizer.weight_decay"), 0.01);
  EXPECT_EQ(Config::parse("", "t.toml", {"optimizer.name=adam"}).get_float("optimizer.weight_decay"), 0.0);
}

TEST(Registry, LayerOptionsAreCheckedAgainstTheirRow) {
  EXPECT_THAT(error_of("[model]\nlayers = [{type = \"dropout\", p = 1.5}]\n"),
              HasSubstr("test.toml:2: model.layers[0].p: must be in [0, 1), got 1.5"));
  EXPECT_THAT(error_of("[model]\nlayers = [{type = \"lstm\", hidden_size = 0}]\n"),
              HasSubstr("model.layers[0].hidden_size: must be > 0, got 0"));
}

}  // namespace
}  // namespace minidl::cli

// Issue 14, findings 2-6: inputs that crashed minidl (an uncaught exception, SIGSEGV, a 2 GB
// allocation) give a clear error or the right result.
#include "cli/hostile_support.h"

namespace minidl::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

// Finding 2: a CSV regression run printed "train acc nan%", then "minidl train: stod", exit 1,
// no summary; `plot` on the folder aborted; grid and --resume failed the same way.
TEST(CliHostileCrashes, ACsvRegressionRunTrainsPlotsResumesAndGrids) {
  TempDir dir;
  dir.write("train.csv", regression_csv(80));
  dir.write("test.csv", regression_csv(40, 7));
  std::string config = dir.write("reg.toml", csv_config(dir.dir(), "task = \"regression\"\ntarget_columns = 2\n[loss]\nname = \"mse\"\n"));
  CliResult r = run_minidl({"train", config, "--out", dir.path("run")});
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_THAT(r.out, Not(HasSubstr("nan")));
  EXPECT_THAT(r.out, HasSubstr("test loss"));
  nlohmann::json s = read_json(dir.path("run/summary.json"));
  EXPECT_GT(s["test_loss"].get<double>(), 0.0);
  EXPECT_TRUE(s["test_accuracy"].is_null());
  CliResult plot = run_minidl({"plot", dir.path("run")});
  EXPECT_NE(plot.code, 134) << describe(plot);
  if (gnuplot_available()) {
    EXPECT_EQ(plot.code, 0) << describe(plot);
    EXPECT_TRUE(fs::exists(dir.path("run/curves.png")));
  }
  // Interrupted after 3 steps, then resumed to the end.
  CliResult stopped = run_minidl({"train", config, "--out", dir.path("resumed")}, {{"MINIDL_STOP_AFTER_STEPS", "3"}});
  ASSERT_EQ(stopped.code, 130) << describe(stopped);
  CliResult resumed = run_minidl({"train", "--resume", dir.path("resumed")});
  ASSERT_EQ(resumed.code, 0) << describe(resumed);
  EXPECT_EQ(read_json(dir.path("resumed/summary.json"))["test_loss"], s["test_loss"]);
  CliResult grid = run_minidl({"grid", config, "--set", "optimizer.lr=[0.01,0.02]", "--out", dir.path("grid")});
  ASSERT_EQ(grid.code, 0) << describe(grid);
  EXPECT_TRUE(read_json(dir.path("grid/grid.json"))["settings"][1]["test_loss_mean"].is_number());
  // No accuracy: the per-epoch figure has the loss panels only, its accuracy cells empty.
  EXPECT_THAT(read_text(dir.path("grid/grid_curves.gp")), HasSubstr("set title 'test loss'"));
  EXPECT_THAT(read_text(dir.path("grid/grid_curves.gp")), Not(HasSubstr("accuracy")));
  Csv curves = read_csv_file(dir.path("grid/grid_curves.csv"));
  ASSERT_FALSE(curves.rows.empty());
  EXPECT_FALSE(curves.rows[0][curves.column("test_loss_mean")].empty());
  EXPECT_EQ(curves.rows[0].size(), curves.header.size());
  EXPECT_TRUE(curves.rows[0][curves.column("test_accuracy_mean")].empty());
}

// Finding 3: a grid with a diverging setting aborted with a json type_error, no grid.csv/png.
TEST(CliHostileCrashes, AGridWithADivergingSettingMarksItAndGoesOn) {
  TempDir dir;
  CliResult r = run_minidl({"grid", std::string(MINIDL_SOURCE_DIR) + "/configs/bench-disk.toml", "--set",
                            "optimizer.lr=[100,0.1]", "--set", "train.epochs=3", "--out", dir.path("grid")});
  ASSERT_EQ(r.code, 0) << describe(r);
  nlohmann::json grid = read_json(dir.path("grid/grid.json"));
  ASSERT_EQ(grid["settings"].size(), 2u);
  EXPECT_TRUE(grid["settings"][0].contains("diverged")) << grid.dump(2);
  EXPECT_EQ(grid["settings"][0]["diverged"]["run"], 0);
  EXPECT_TRUE(grid["settings"][0]["test_accuracy_mean"].is_null());
  EXPECT_FALSE(grid["settings"][1].contains("diverged"));
  EXPECT_GT(grid["settings"][1]["test_accuracy_mean"].get<double>(), 0.5);
  EXPECT_THAT(r.out, HasSubstr("diverged (epoch"));
  EXPECT_THAT(r.out, HasSubstr("best: lr=0.1"));
  EXPECT_THAT(r.err, HasSubstr("diverged"));
  if (gnuplot_available()) {
    EXPECT_TRUE(fs::exists(dir.path("grid/grid.png")));
    EXPECT_THAT(read_text(dir.path("grid/grid.gp")), HasSubstr("diverged: lr=100"));
    // The per-epoch figure keeps the epochs before the divergence and says where it diverged.
    EXPECT_TRUE(fs::exists(dir.path("grid/grid_curves.png")));
    EXPECT_THAT(read_text(dir.path("grid/grid_curves.gp")), HasSubstr("optimizer.lr=100 (diverged: run 1, epoch "));
  }
}

// Finding 4: a layer of 2 x 2^62 weights was a SIGSEGV in train and info.
TEST(CliHostileCrashes, AnOverflowingLayerSizeIsAConfigErrorNamingTheLayer) {
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  std::string layers =
      "model.layers=[{type=\"linear\",out_features=25},{type=\"relu\"},{type=\"linear\",out_features=4611686018427387904},"
      "{type=\"relu\"},{type=\"linear\",out_features=2}]";
  for (const char* command : {"train", "info"}) {
    std::vector<std::string> args = {command, config, "--set", layers};
    if (std::string(command) == "train") args.insert(args.end(), {"--out", dir.path("run")});
    CliResult r = run_minidl(args);
    EXPECT_EQ(r.code, 2) << describe(r);
    EXPECT_THAT(r.err, HasSubstr("model.layers[2]: a linear layer's weight of 4611686018427387904 x 25 needs"));
    EXPECT_THAT(r.err, HasSubstr("more than this machine's memory"));
  }
  EXPECT_FALSE(fs::exists(dir.path("run")));
  // A size that fits int64 but not the machine, in a conv layer.
  CliResult conv = run_minidl({"info", config, "--set",
                               "model.layers=[{type=\"linear\",out_features=4000000000},{type=\"linear\",out_features=2}]"});
  EXPECT_EQ(conv.code, 2) << describe(conv);
  EXPECT_THAT(conv.err, HasSubstr("model.layers[0]: a linear layer's weight of 4000000000 x 2 needs 3.2e+10 bytes"));
}

// Finding 5: a label of 99999999999 made minidl build 1e11 class names (2.1 GB and counting).
TEST(CliHostileCrashes, AHugeLabelIsAnErrorAtItsLine) {
  TempDir dir;
  dir.write("train.csv", classification_csv(20, "0.5,0.25,99999999999\n"));
  dir.write("test.csv", classification_csv(10));
  CliResult r = run_minidl({"train", dir.write("c.toml", csv_config(dir.dir())), "--out", dir.path("run")});
  EXPECT_EQ(r.code, 1) << describe(r);
  EXPECT_THAT(r.err, HasSubstr(dir.path("train.csv") + ":22: column 3 ('label'): class label 99999999999 would make more"));
  EXPECT_FALSE(fs::exists(dir.path("run")));
}

// Finding 6: `plot` on a metrics.csv with a cell edited to text aborted (exit 134); a damaged
// checkpoint's metadata gave the bare message "stod".
TEST(CliHostileCrashes, DamagedRunFilesAreErrorsNamingFileAndLine) {
  TempDir dir;
  std::string config = dir.write("small.toml", kSmallConfig);
  ASSERT_EQ(run_minidl({"train", config, "--set", "train.epochs=3", "--out", dir.path("run"), "--quiet"}).code, 0);
  std::string metrics = read_text(dir.path("run/metrics.csv"));
  std::vector<std::string> lines = lines_of(metrics);
  lines[2].replace(lines[2].find(',', lines[2].find(',', lines[2].find(',') + 1) + 1), 1, ",abc");  // train_accuracy
  std::string edited;
  for (const std::string& l : lines) edited += l + "\n";
  dir.write("run/metrics.csv", edited);
  CliResult plot = run_minidl({"plot", dir.path("run")});
  EXPECT_EQ(plot.code, 1) << describe(plot);
  EXPECT_THAT(plot.err, HasSubstr(dir.path("run/metrics.csv") + ":3: column 'train_accuracy': expected a number, got 'abc"));

  CliResult stopped = run_minidl({"train", config, "--out", dir.path("stopped")}, {{"MINIDL_STOP_AFTER_STEPS", "3"}});
  ASSERT_EQ(stopped.code, 130) << describe(stopped);
  edit_safetensors_header(dir.path("stopped/checkpoint.safetensors"),
                          [](nlohmann::json& h) { h["__metadata__"]["train_seconds"] = "abc"; });
  CliResult resumed = run_minidl({"train", "--resume", dir.path("stopped")});
  EXPECT_EQ(resumed.code, 1) << describe(resumed);
  EXPECT_THAT(resumed.err, HasSubstr("checkpoint.safetensors: metadata 'train_seconds' = 'abc' is not a number"));
}

}  // namespace
}  // namespace minidl::testing

// `minidl grid`'s grid_curves.png: every setting's loss and accuracy per epoch, mean and std over
// its runs, from grid_curves.csv (the settings' curves_mean.csv gathered) and grid_curves.gp.
#include <cmath>

#include "cli/cli_support.h"

namespace minidl::testing {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

const char* kQuantities[] = {"train_loss", "test_loss", "train_accuracy", "test_accuracy"};

// The non-empty rows of grid_curves.csv (blank lines separate gnuplot's blocks, one per setting).
Csv read_grid_curves(const std::string& path) {
  Csv csv = read_csv_file(path);
  std::erase_if(csv.rows, [](const std::vector<std::string>& row) { return row.empty(); });
  return csv;
}

// metrics.csv of a run folder as epoch -> the values of `quantity` over its runs.
std::map<int, std::vector<double>> per_epoch(const std::string& run_dir, const std::string& quantity) {
  Csv metrics = read_csv_file(run_dir + "/metrics.csv");
  std::map<int, std::vector<double>> values;
  for (const auto& row : metrics.rows) {
    values[std::stoi(row[metrics.column("epoch")])].push_back(std::stod(row[metrics.column(quantity)]));
  }
  return values;
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double sample_std_of(const std::vector<double>& v) {
  double m = mean_of(v), s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return v.size() > 1 ? std::sqrt(s / static_cast<double>(v.size() - 1)) : 0.0;
}

// The row of grid_curves.csv for setting `number` (from 1) and `epoch`; fails when not exactly one
// (and returns a row of "nan").
std::vector<std::string> row_of(const Csv& csv, int number, int epoch) {
  std::vector<std::string> found(csv.header.size(), "nan");
  int count = 0;
  for (const auto& row : csv.rows) {
    if (std::stoi(row[csv.column("setting")]) == number && std::stoi(row[csv.column("epoch")]) == epoch) {
      found = row;
      ++count;
    }
  }
  EXPECT_EQ(count, 1) << "setting " << number << ", epoch " << epoch;
  return found;
}

// A 2-setting x 2-run grid on the small disk task, 3 epochs.
CliResult run_grid(const TempDir& dir, const std::string& out, const std::map<std::string, std::string>& env = {}) {
  std::string config = dir.path("small.toml");
  if (!fs::exists(config)) dir.write("small.toml", kSmallConfig);
  return run_minidl({"grid", config, "--set", "optimizer.name=[adam,sgd]", "--set", "optimizer.lr=0.05", "--set",
                     "train.epochs=3", "--runs", "2", "--quiet", "--out", out},
                    env);
}

TEST(CliGridCurves, OneRowPerSettingAndEpochWithTheMeanAndStdOfItsRuns) {
  TempDir dir;
  std::string out = dir.path("grid");
  CliResult r = run_grid(dir, out);
  ASSERT_EQ(r.code, 0) << describe(r);
  nlohmann::json grid = read_json(out + "/grid.json");
  Csv csv = read_grid_curves(out + "/grid_curves.csv");
  ASSERT_EQ(csv.header.size(), 11u);
  EXPECT_EQ(csv.header[0], "setting");
  EXPECT_EQ(csv.header[2], "runs");
  EXPECT_EQ(csv.rows.size(), 2u * 3u);  // one row per setting per epoch
  for (int number = 1; number <= 2; ++number) {
    std::string run_dir = out + "/" + grid["settings"][number - 1]["dir"].get<std::string>();
    for (const char* quantity : kQuantities) {
      for (const auto& [epoch, values] : per_epoch(run_dir, quantity)) {
        SCOPED_TRACE(run_dir + " " + quantity + " epoch " + std::to_string(epoch));
        ASSERT_EQ(values.size(), 2u);
        std::vector<std::string> row = row_of(csv, number, epoch);
        EXPECT_EQ(row[csv.column("runs")], "2");
        double mean = std::stod(row[csv.column(std::string(quantity) + "_mean")]);
        double spread = std::stod(row[csv.column(std::string(quantity) + "_std")]);
        EXPECT_NEAR(mean, mean_of(values), 1e-8 * (1 + std::abs(mean)));
        EXPECT_NEAR(spread, sample_std_of(values), 1e-8 * (1 + spread));
      }
    }
    // Two seeds give two test losses: a band that is not zero.
    EXPECT_GT(std::stod(row_of(csv, number, 3)[csv.column("test_loss_std")]), 0.0);
  }
  EXPECT_NE(row_of(csv, 1, 3)[csv.column("test_loss_mean")], row_of(csv, 2, 3)[csv.column("test_loss_mean")]);
  // Four panels, a band and a line per setting in each, the key naming each setting by its swept value.
  std::string gp = read_text(out + "/grid_curves.gp");
  EXPECT_THAT(gp, HasSubstr("title 'optimizer.name=adam'"));
  EXPECT_THAT(gp, HasSubstr("title 'optimizer.name=sgd'"));
  for (const char* panel : {"train loss", "test loss", "train accuracy", "test accuracy"}) {
    EXPECT_THAT(gp, HasSubstr("set title '" + std::string(panel) + "'"));
  }
  EXPECT_THAT(gp, HasSubstr("index 1 using 2:(100*($10-$11)):(100*min($10+$11, 1))"));  // setting 2's test accuracy
  EXPECT_THAT(gp, HasSubstr("filledcurves fs transparent"));
  if (!gnuplot_available()) return;
  EXPECT_THAT(r.out, HasSubstr(out + "/grid_curves.png"));
  ASSERT_TRUE(fs::exists(out + "/grid_curves.png"));
  EXPECT_GT(fs::file_size(out + "/grid_curves.png"), 10000u);
  // `minidl plot` redraws it, and the CSV behind it, from the settings' folders.
  std::string csv_text = read_text(out + "/grid_curves.csv");
  fs::remove(out + "/grid_curves.png");
  fs::remove(out + "/grid_curves.csv");
  CliResult p = run_minidl({"plot", out});
  EXPECT_EQ(p.code, 0) << describe(p);
  EXPECT_THAT(p.out, HasSubstr(out + "/grid_curves.png"));
  EXPECT_TRUE(fs::exists(out + "/grid_curves.png"));
  EXPECT_EQ(read_text(out + "/grid_curves.csv"), csv_text);
}

// Runs that stopped early (early stopping, a divergence) leave later epochs to the runs that went
// on: the mean of an epoch is over the runs that reached it, and the figure says so.
TEST(CliGridCurves, AnEpochFewerRunsReachedIsTheMeanOverThoseRuns) {
  TempDir dir;
  std::string out = dir.path("grid");
  CliResult r = run_grid(dir, out);
  ASSERT_EQ(r.code, 0) << describe(r);
  std::string run_dir = out + "/" + read_json(out + "/grid.json")["settings"][0]["dir"].get<std::string>();
  // Run 0 of setting 1 loses its last epoch; its curves_mean.csv is written again from metrics.csv.
  std::vector<std::string> lines = lines_of(read_text(run_dir + "/metrics.csv"));
  std::string kept;
  for (const std::string& line : lines) {
    if (line.rfind("0,3,", 0) != 0) kept += line + "\n";
  }
  ASSERT_EQ(lines_of(kept).size(), lines.size() - 1);
  dir.write("grid/" + fs::path(run_dir).filename().string() + "/metrics.csv", kept);
  fs::remove(run_dir + "/curves_mean.csv");
  CliResult p = run_minidl({"plot", out});
  ASSERT_NE(p.code, 2) << describe(p);
  Csv csv = read_grid_curves(out + "/grid_curves.csv");
  EXPECT_EQ(csv.rows.size(), 2u * 3u);
  EXPECT_EQ(row_of(csv, 1, 2)[csv.column("runs")], "2");
  std::vector<std::string> last = row_of(csv, 1, 3);
  EXPECT_EQ(last[csv.column("runs")], "1");
  EXPECT_EQ(std::stod(last[csv.column("test_loss_std")]), 0.0);
  std::vector<double> reached = per_epoch(run_dir, "test_loss")[3];  // run 1's alone
  ASSERT_EQ(reached.size(), 1u);
  EXPECT_NEAR(std::stod(last[csv.column("test_loss_mean")]), reached[0], 1e-8);
  EXPECT_EQ(row_of(csv, 2, 3)[csv.column("runs")], "2");
  EXPECT_THAT(read_text(out + "/grid_curves.gp"), HasSubstr("is the mean over those runs"));
}

// Without gnuplot a grid still succeeds, keeps the scripts and CSV files and says once how to draw.
TEST(CliGridCurves, WithoutGnuplotTheDataAndScriptsStayAndOneWarningSaysSo) {
  TempDir dir;
  std::string out = dir.path("grid");
  CliResult r = run_grid(dir, out, {{"PATH", dir.path("no-programs")}});
  ASSERT_EQ(r.code, 0) << describe(r);
  for (const char* file : {"grid_curves.csv", "grid_curves.gp", "grid.csv", "grid.gp"}) {
    EXPECT_TRUE(fs::exists(out + "/" + file)) << file;
  }
  EXPECT_FALSE(fs::exists(out + "/grid_curves.png"));
  EXPECT_FALSE(fs::exists(out + "/grid.png"));
  // Once for the grid folder's two figures (each setting's folder says it for its own plots).
  std::string warning = "gnuplot is not installed (apt-get install gnuplot-nox): run `minidl plot " + out + "` after";
  size_t first = r.err.find(warning);
  EXPECT_NE(first, std::string::npos) << describe(r);
  EXPECT_EQ(r.err.find(warning, first + 1), std::string::npos) << describe(r);
}

}  // namespace
}  // namespace minidl::testing

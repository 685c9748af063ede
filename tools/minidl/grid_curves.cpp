// grid_curves.csv and grid_curves.gp (grid_curves.h): one colour per setting, a band of mean +- std
// over the runs and a line for the mean, in panels of train and test loss and, for classification,
// train and test accuracy. The numbers are the settings' curves_mean.csv, not computed again.
#include "grid_curves.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "curve_means.h"
#include "minidl/io/atomic_file.h"
#include "plots.h"

namespace minidl::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// grid_curves.csv: the setting's number in grid.json (from 1), then the columns of curves_mean.csv.
// Quantity q (train loss, test loss, train accuracy, test accuracy) has its mean in column
// kFirstMean + 2q (gnuplot counts from 1) and its std in the next.
constexpr int kFirstMean = 4, kQuantities = 4, kCurveColumns = 10;

// tab10: colours told apart; past ten settings the dash pattern changes as well.
constexpr std::array<const char*, 10> kColours = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                                  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

struct Curve {           // one setting's block of grid_curves.csv
  std::string label;     // its key entry: the swept values
  std::string rows;      // its rows, numbered
  int64_t epochs = 0;    // its last epoch
  bool uneven = false;   // an epoch that fewer of its runs reached than another
  std::array<double, kQuantities> lo, hi;  // the smallest and largest mean of each quantity
};

// The key entry of a setting: its swept values ("optimizer.name=adam"), and where it diverged.
std::string setting_label(const json& s, const std::vector<std::string>& swept) {
  std::string label;
  for (const std::string& key : swept) {
    const json& v = s.at("set").at(key);
    label += (label.empty() ? "" : ", ") + key + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  if (s.contains("diverged")) {
    const json& d = s["diverged"];
    label += " (diverged: run " + std::to_string(d.value("run", int64_t{0}) + 1) + ", epoch " +
             std::to_string(d.value("epoch", int64_t{0})) + ")";
  }
  return label;
}

// The rows of RUN/curves_mean.csv, without its header. It is written from metrics.csv first when
// absent (a setting that diverged: its plots were not drawn) or of an older minidl (other columns).
std::vector<std::string> curve_mean_rows(const fs::path& run, std::vector<std::string>& warnings) {
  const std::string file = (run / "curves_mean.csv").string();
  std::vector<std::string> lines = read_lines(file);
  if (lines.empty() || lines[0] != kCurveMeansHeader) {
    if (!fs::exists(run / "metrics.csv")) {
      warnings.push_back((run / "metrics.csv").string() + " is missing: that setting is not in grid_curves.png");
      return {};
    }
    try {
      write_curve_means(run.string());
    } catch (const std::exception& e) {  // a damaged metrics.csv: DataError naming file and line
      warnings.push_back(std::string(e.what()) + ": that setting is not in grid_curves.png");
      return {};
    }
    lines = read_lines(file);
  }
  if (!lines.empty()) lines.erase(lines.begin());
  return lines;
}

// Setting `number`'s block of grid_curves.csv and what the script needs to know of it.
Curve make_curve(size_t number, const std::string& label, const std::vector<std::string>& rows) {
  Curve c;
  c.label = label;
  c.lo.fill(INFINITY);
  c.hi.fill(-INFINITY);
  double most = 0, fewest = INFINITY;
  std::ostringstream out;
  for (const std::string& row : rows) {
    std::vector<std::string> cells = split_csv_line(row);
    cells.resize(kCurveColumns);  // a regression's empty accuracy cells at the end
    c.epochs = std::max(c.epochs, static_cast<int64_t>(std::strtod(cells[0].c_str(), nullptr)));
    double runs = std::strtod(cells[1].c_str(), nullptr);
    most = std::max(most, runs);
    fewest = std::min(fewest, runs);
    for (int q = 0; q < kQuantities; ++q) {
      const std::string& mean = cells[2 + 2 * q];
      if (mean.empty()) continue;
      c.lo[q] = std::min(c.lo[q], std::strtod(mean.c_str(), nullptr));
      c.hi[q] = std::max(c.hi[q], std::strtod(mean.c_str(), nullptr));
    }
    out << number << ',' << row << '\n';
  }
  c.uneven = most != fewest;
  c.rows = out.str();
  return c;
}

// A setting's style: its colour, and past ten settings another dash pattern.
std::string style_of(size_t b, bool points) {
  return std::string(points ? "linespoints pt 7 ps 0.6" : "lines") + " lw 2 dt " + std::to_string(b / kColours.size() + 1) +
         " lc rgb '" + kColours[b % kColours.size()] + "'";
}

// Where a plot goes on the canvas, in screen fractions (gnuplot's margins "at screen").
struct Box {
  double left, right, bottom, top;
};

void place(std::ostream& gp, const Box& box) {
  gp << "set lmargin at screen " << box.left << "\nset rmargin at screen " << box.right << "\nset bmargin at screen "
     << box.bottom << "\nset tmargin at screen " << box.top << "\n";
}

// One panel: per setting, the band between mean - std and mean + std, then the line of the mean.
// Losses spanning over 20x are on a log axis, where a band reaching below 0 stops at half the
// smallest mean; accuracies are in percent, the band capped at 100%.
void write_panel(std::ostream& gp, int q, const std::vector<Curve>& curves, bool points, const Box& box) {
  const bool accuracy = q >= 2;
  const std::string name = std::string(q % 2 ? "test" : "train") + (accuracy ? " accuracy" : " loss");
  double lo = INFINITY, hi = -INFINITY;
  for (const Curve& c : curves) lo = std::min(lo, c.lo[q]), hi = std::max(hi, c.hi[q]);
  const bool log_y = !accuracy && lo > 0 && hi > 20 * lo;
  // Appended, not "$" + string: GCC 12 warns (-Wrestrict) of an overlap in that insert at 0.
  std::string m = "$", s = "$";
  m += std::to_string(kFirstMean + 2 * q);
  s += std::to_string(kFirstMean + 2 * q + 1);
  std::string mean = "(" + m + ")", low = "(" + m + "-" + s + ")", high = "(" + m + "+" + s + ")";
  if (accuracy) mean = "(100*" + m + ")", low = "(100*(" + m + "-" + s + "))", high = "(100*min(" + m + "+" + s + ", 1))";
  if (log_y) low = "(max(" + m + "-" + s + ", " + std::to_string(lo / 2) + "))";
  place(gp, box);
  gp << "set title '" << name << "'\nset ylabel '" << name << (accuracy ? " (%)" : "") << "'\n"
     << (log_y ? "set logscale y\n" : "unset logscale y\n")
     << (accuracy ? "set format y '%g%%'\nset yrange [*:* < 100]\n" : "set format y '%g'\nset autoscale y\n") << "plot ";
  for (size_t b = 0; b < curves.size(); ++b) {
    const std::string data = "'grid_curves.csv' skip 1 index " + std::to_string(b) + " using 2:";
    gp << (b ? ", \\\n     " : "") << data << low << ":" << high << " with filledcurves fs transparent solid 0.18 lc rgb '"
       << kColours[b % kColours.size()] << "' notitle, \\\n     " << data << mean << " with " << style_of(b, points)
       << " notitle";
  }
  gp << "\n";
}

// The key, once for all panels, in a strip of its own under them: a key inside a panel would cover
// curves, and gnuplot fits a key to its plot's width (a panel's would be one narrow column).
void write_key(std::ostream& gp, const std::vector<Curve>& curves, bool points, const Box& box) {
  place(gp, box);
  gp << "unset title\nunset xlabel\nunset ylabel\nunset border\nunset tics\nunset grid\nunset logscale y\n"
     << "set xrange [0:1]\nset yrange [0:1]\nset key center center horizontal reverse Left samplen 3\nplot ";
  for (size_t b = 0; b < curves.size(); ++b) {
    gp << (b ? ", \\\n     " : "") << "NaN with " << style_of(b, points) << " title " << gnuplot_string(curves[b].label);
  }
  gp << "\n";
}

// The figure: a title saying what is averaged, two panels a row (losses, then accuracies), and
// the key under them. Sizes in pixels, at about 7.5 pixels a character of the 10-point font.
std::string grid_curves_script(const json& grid, const std::vector<Curve>& curves, const std::vector<std::string>& notes) {
  bool accuracy = false;
  int64_t epochs = 0;
  size_t longest = 0;
  for (const Curve& c : curves) {
    accuracy |= std::isfinite(c.hi[2]) || std::isfinite(c.hi[3]);
    epochs = std::max(epochs, c.epochs);
    longest = std::max(longest, c.label.size());
  }
  const int width = 1200, rows = accuracy ? 2 : 1, panel_w = 500, panel_h = 320, above = 34, below = 58;
  const size_t key_columns =
      std::clamp<size_t>(static_cast<size_t>((width - 40) / (7.5 * static_cast<double>(longest + 8))), 1, curves.size());
  const int key_h = 20 * static_cast<int>((curves.size() + key_columns - 1) / key_columns) + 10;
  const int title_h = 36 + 16 * static_cast<int>(notes.size());
  const int height = title_h + rows * (above + panel_h + below) + key_h;
  const int64_t runs = grid.value("runs", int64_t{1});
  std::string title = fs::path(grid.value("config", std::string("grid"))).filename().string() +
                      ": each setting per epoch, the mean (line) and mean ± std (band) over " + std::to_string(runs) +
                      (runs == 1 ? " run (no band)" : " runs");
  for (const std::string& note : notes) title += "\n" + note;
  const bool points = epochs <= 30;
  std::ostringstream gp;
  gp << "# Each setting of `minidl grid` per epoch: mean (line) and mean +- std (band) over its runs,\n"
     << "# from grid_curves.csv (each setting's curves_mean.csv; column 1 is its number in grid.json).\n"
     << "set terminal pngcairo noenhanced size " << width << "," << height << " font 'DejaVu Sans,10'\n"
     << "set output 'grid_curves.png'\nset encoding utf8\nset datafile separator ','\n"
     << "min(a, b) = a < b ? a : b\nmax(a, b) = a > b ? a : b\nunset key\nset grid\n"
     << "set xlabel 'epoch'\nset autoscale xfix\nset format x '%g'\n" << (epochs <= 12 ? "set xtics 1\n" : "")
     << "set multiplot title " << gnuplot_string(title) << "\n";
  for (int q = 0; q < (accuracy ? kQuantities : 2); ++q) {
    const int left = 85 + (q % 2) * (panel_w + 100), top = height - title_h - (q / 2) * (above + panel_h + below) - above;
    write_panel(gp, q, curves, points,
                {double(left) / width, double(left + panel_w) / width, double(top - panel_h) / height, double(top) / height});
  }
  write_key(gp, curves, points, {0.01, 0.99, 4.0 / height, double(key_h) / height});
  gp << "unset multiplot\n";
  return gp.str();
}

}  // namespace

bool write_grid_curves(const std::string& dir_name, const json& grid, std::vector<std::string>& warnings) {
  const fs::path dir(dir_name);
  const auto swept = grid.at("swept").get<std::vector<std::string>>();
  const json& settings = grid.at("settings");
  std::vector<Curve> curves;
  std::vector<std::string> no_epoch;  // settings that diverged in the first epoch of their first run
  bool uneven = false;
  for (size_t i = 0; i < settings.size(); ++i) {
    const json& s = settings[i];
    const std::string label = setting_label(s, swept), folder = s.at("dir").get<std::string>();
    // A folder of this grid, not a path elsewhere (grid.json is a file a user can edit).
    if (folder.empty() || folder == "." || folder == ".." || fs::path(folder).filename() != folder) {
      warnings.push_back((dir / "grid.json").string() + ": setting " + std::to_string(i + 1) + ": dir '" + folder +
                         "' is not a folder of the grid; not in grid_curves.png");
      continue;
    }
    std::vector<std::string> rows = curve_mean_rows(dir / folder, warnings);
    if (rows.empty()) {
      no_epoch.push_back(label);
      continue;
    }
    curves.push_back(make_curve(i + 1, label, rows));
    uneven |= curves.back().uneven;
  }
  if (curves.empty()) return false;
  std::ostringstream csv;
  csv << "setting," << kCurveMeansHeader << "\n";
  for (size_t b = 0; b < curves.size(); ++b) csv << (b ? "\n\n" : "") << curves[b].rows;  // gnuplot's blocks
  write_file_atomically((dir / "grid_curves.csv").string(), csv.str());
  std::vector<std::string> notes;
  if (uneven) {
    notes.push_back("an epoch that fewer runs reached (early stopping, divergence) is the mean over those runs "
                    "(column 'runs' of grid_curves.csv)");
  }
  if (!no_epoch.empty()) {
    std::string names;
    for (const std::string& n : no_epoch) names += (names.empty() ? "" : "; ") + n;
    notes.push_back("no epoch to draw: " + names);
  }
  write_file_atomically((dir / "grid_curves.gp").string(), grid_curves_script(grid, curves, notes));
  return true;
}

}  // namespace minidl::cli

// Per-epoch mean and std over the runs of metrics.csv, written as curves_mean.csv (curve_means.h).
#include "curve_means.h"

#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "minidl/error.h"
#include "minidl/io/atomic_file.h"
#include "statistics.h"

namespace minidl::cli {

namespace fs = std::filesystem;

namespace {

// The quantities averaged, in the order of their columns in curves_mean.csv.
constexpr std::array<const char*, 4> kQuantities = {"train_loss", "test_loss", "train_accuracy", "test_accuracy"};
using Row = std::array<double, kQuantities.size()>;

// metrics.csv as epoch -> run -> the quantities. A later row for the same run and epoch replaces
// the earlier one, so an epoch a resumed run trained again counts once.
struct Metrics {
  std::map<long, std::map<long, Row>> epochs;
  std::set<long> runs;
  bool accuracy = false;
};

bool read_metrics(const fs::path& file, Metrics& m) {
  std::ifstream in(file);
  std::string line;
  if (!std::getline(in, line)) return false;
  const std::vector<std::string> header = split_csv_line(line);
  auto col = [&](const std::string& name) {
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return static_cast<int>(i);
    }
    return -1;
  };
  const int c_run = col("run"), c_epoch = col("epoch");
  std::array<int, kQuantities.size()> c{};
  for (size_t q = 0; q < kQuantities.size(); ++q) {
    if ((c[q] = col(kQuantities[q])) < 0) return false;
  }
  if (c_run < 0 || c_epoch < 0) return false;
  int64_t line_number = 1;
  // A cell that is not a number (an edited or damaged file) is an error naming file, line and
  // column; an empty cell is a missing value (regression runs have no accuracy).
  auto number = [&](const std::vector<std::string>& cells, int i) {
    if (cells[i].empty()) return static_cast<double>(NAN);
    char* end = nullptr;
    double v = std::strtod(cells[i].c_str(), &end);
    if (end == cells[i].c_str() || *end != '\0') {
      throw DataError(file.string() + ":" + std::to_string(line_number) + ": column '" + header[i] +
                      "': expected a number, got '" + cells[i] + "'");
    }
    return v;
  };
  while (std::getline(in, line)) {
    ++line_number;
    std::vector<std::string> cells = split_csv_line(line);
    if (static_cast<int>(cells.size()) < static_cast<int>(header.size()) - 1) continue;  // torn last line
    cells.resize(header.size());  // a trailing empty cell
    double epoch = number(cells, c_epoch), run = number(cells, c_run);
    if (!(epoch == std::floor(epoch) && run == std::floor(run))) {
      throw DataError(file.string() + ":" + std::to_string(line_number) + ": run and epoch must be whole numbers");
    }
    Row row;
    for (size_t q = 0; q < kQuantities.size(); ++q) row[q] = number(cells, c[q]);
    m.accuracy |= !std::isnan(row[2]) || !std::isnan(row[3]);
    m.runs.insert(static_cast<long>(run));
    m.epochs[static_cast<long>(epoch)][static_cast<long>(run)] = row;
  }
  return true;
}

// "mean,std" of the finite values (NaN: a quantity the run lacks; inf cannot be drawn); ",," when none.
void write_mean_and_std(std::ostream& out, const std::vector<double>& values) {
  if (values.empty()) {
    out << ",,";
    return;
  }
  out << ',' << mean_of(values) << ',' << sample_std_of(values);
}

}  // namespace

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string cell;
  while (std::getline(ss, cell, ',')) out.push_back(cell);
  return out;
}

CurveMeans write_curve_means(const std::string& dir) {
  Metrics m;
  if (!read_metrics(fs::path(dir) / "metrics.csv", m)) return {};
  std::ostringstream out;
  out << std::setprecision(10) << kCurveMeansHeader << '\n';
  for (const auto& [epoch, by_run] : m.epochs) {
    out << epoch << ',' << by_run.size();
    for (size_t q = 0; q < kQuantities.size(); ++q) {
      std::vector<double> values;
      for (const auto& [run, row] : by_run) {
        if (std::isfinite(row[q])) values.push_back(row[q]);
      }
      write_mean_and_std(out, values);
    }
    out << '\n';
  }
  write_file_atomically((fs::path(dir) / "curves_mean.csv").string(), out.str());
  return {static_cast<int>(m.runs.size()), m.accuracy};
}

}  // namespace minidl::cli

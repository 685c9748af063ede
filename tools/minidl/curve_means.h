// metrics.csv -> curves_mean.csv: each epoch's mean and std over the runs of a run folder, read by
// the run's curves.png and by `minidl grid`'s grid_curves.png (one curve per setting folder).
#pragma once

#include <string>
#include <vector>

namespace minidl::cli {

// The columns of curves_mean.csv. `runs` is how many runs reached the epoch: runs stopped early
// (early stopping, a divergence) leave later epochs to the runs that went on, and each mean and
// std is over those. A quantity the runs lack (accuracy of a regression) is an empty cell.
inline constexpr const char* kCurveMeansHeader =
    "epoch,runs,train_loss_mean,train_loss_std,test_loss_mean,test_loss_std,train_accuracy_mean,train_accuracy_std,"
    "test_accuracy_mean,test_accuracy_std";

struct CurveMeans {
  int runs = 0;          // runs in metrics.csv; 0 when it has no rows (or is absent)
  bool accuracy = true;  // false for regression: no accuracy column has a value
};

// Writes DIR/curves_mean.csv from DIR/metrics.csv. The std is the sample std (n - 1, 0 for one run),
// as grid.json's and summary.json's. Empty cells (NaN) are left out of the mean of their column.
// A cell that is not a number throws DataError naming file, line and column.
CurveMeans write_curve_means(const std::string& dir);

// The cells of one line of the CSV files minidl writes in a run folder (commas only: it writes no
// quoted cells).
std::vector<std::string> split_csv_line(const std::string& line);

}  // namespace minidl::cli

// RunDir: the files a `minidl train` writes in its output folder. CSV files are appended and
// flushed as training goes, so a crashed or interrupted run still leaves its curves; the summary
// is written atomically, last.
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "trainer.h"

namespace minidl::cli {

struct EpochRow {
  int64_t run, epoch;
  double train_loss, train_accuracy, val_loss, val_accuracy, test_loss, test_accuracy, lr, seconds;
};

class RunDir {
 public:
  // Opens `dir` for a new run (created if missing) or, with `resume`, for appending. With `write`
  // false (the ranks other than 0 of a data-parallel run) nothing is opened and nothing written.
  RunDir(const std::string& dir, bool resume, bool write = true);
  bool writes() const { return write_; }

  const std::string& path() const { return dir_; }
  std::string file(const std::string& name) const { return dir_ + "/" + name; }

  void add_epoch(const EpochRow& row);
  void add_iteration(int64_t run, int64_t iteration, double epoch, double loss);  // buffered
  void flush();  // writes the buffered iterations; call it outside timed code

  // Data files of the plots: the training set, the test points with their predictions, and the
  // decision function over a 100 x 100 grid of [0,1]^2 (2-D disk inputs only).
  void write_disk_plot_data(Run& run);
  // Image runs (Fashion-MNIST): the test confusion matrix (confusion_matrix.dat, class_names.txt)
  // and the first 24 misclassified test images (errors.bin, 28x28 bytes each; errors.csv).
  void write_image_plot_data(Run& run);
  // summary.json, atomically.
  void write_summary(const nlohmann::json& summary);

 private:
  std::string dir_;
  bool write_ = true;
  std::ofstream metrics_, iterations_;
  // Iteration losses wait here until flush(): formatting a line per step inside the timed
  // training loop cost a batch-1 epoch ~10%.
  struct Iteration {
    int64_t run, iteration;
    double epoch, loss;
  };
  std::vector<Iteration> pending_;
};

// "runs/disk-20261123-193012" for configs/disk.toml; with kind "grid-", "runs/grid-disk-...".
std::string default_run_dir(const std::string& config_path, const std::string& kind = "");

}  // namespace minidl::cli

// Progress: what `minidl train` prints while it trains. On a terminal one bar per epoch, redrawn
// at most 10 times a second (loss, accuracy, samples/s, ETA); without a terminal one plain line
// per epoch; with --quiet nothing but the final summary line.
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>

namespace minidl::cli {

class Progress {
 public:
  enum class Mode { bar, lines, quiet };
  static Mode detect(bool quiet);  // bar when stdout is a terminal

  Progress(Mode mode, int64_t runs, int64_t epochs, int64_t batches_per_epoch);

  void start_epoch(int64_t run, int64_t epoch);  // epoch counts from 1
  void batch(double loss, int64_t examples);
  // The epoch's line: training loss and accuracy, test accuracy, and the training rate; for
  // regression (no accuracies) the training and test losses.
  void end_epoch(double train_loss, double train_accuracy, double test_accuracy, double train_seconds,
                 double test_loss = NAN);
  void message(const std::string& line);  // on its own line, above any bar

 private:
  void draw(bool final_draw);

  Mode mode_;
  int64_t runs_, epochs_, batches_;
  int64_t run_ = 0, epoch_ = 0, batch_ = 0, examples_ = 0;
  double loss_sum_ = 0;
  std::chrono::steady_clock::time_point epoch_start_, last_draw_;
  double seconds_per_epoch_ = 0;  // smoothed, for the ETA
};

}  // namespace minidl::cli

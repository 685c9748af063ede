// Terminal output of a training run.
#include "progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace minidl::cli {

Progress::Mode Progress::detect(bool quiet) {
  if (quiet) return Mode::quiet;
  return isatty(STDOUT_FILENO) ? Mode::bar : Mode::lines;
}

Progress::Progress(Mode mode, int64_t runs, int64_t epochs, int64_t batches_per_epoch)
    : mode_(mode), runs_(runs), epochs_(epochs), batches_(batches_per_epoch) {}

void Progress::start_epoch(int64_t run, int64_t epoch) {
  run_ = run;
  epoch_ = epoch;
  batch_ = 0;
  examples_ = 0;
  loss_sum_ = 0;
  epoch_start_ = std::chrono::steady_clock::now();
}

void Progress::batch(double loss, int64_t examples) {
  ++batch_;
  examples_ += examples;
  loss_sum_ += loss * static_cast<double>(examples);
  if (mode_ != Mode::bar) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  draw(false);
}

namespace {
std::string duration(double seconds) {
  char buf[32];
  if (seconds < 60) std::snprintf(buf, sizeof buf, "%.0fs", seconds);
  else if (seconds < 3600) std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(seconds) / 60, static_cast<int>(seconds) % 60);
  else std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(seconds) / 3600, static_cast<int>(seconds) / 60 % 60);
  return buf;
}
}  // namespace

void Progress::draw(bool final_draw) {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start_).count();
  double fraction = batches_ ? static_cast<double>(batch_) / static_cast<double>(batches_) : 1.0;
  constexpr int kWidth = 24;
  int filled = static_cast<int>(std::round(fraction * kWidth));
  std::string bar = std::string(filled, '#') + std::string(kWidth - filled, '.');
  double rate = elapsed > 0 ? static_cast<double>(examples_) / elapsed : 0;
  double per_epoch = seconds_per_epoch_ > 0 ? seconds_per_epoch_ : (fraction > 0 ? elapsed / fraction : 0);
  double remaining = per_epoch * (1 - fraction) +
                     per_epoch * static_cast<double>((epochs_ - epoch_) + (runs_ - 1 - run_) * epochs_);
  std::printf("\r%s epoch %lld/%lld [%s] loss %.4f  %.0f samples/s  ETA %s\033[K", runs_ > 1 ? ("run " + std::to_string(run_ + 1) + "/" + std::to_string(runs_)).c_str() : "",
              static_cast<long long>(epoch_), static_cast<long long>(epochs_), bar.c_str(),
              examples_ ? loss_sum_ / static_cast<double>(examples_) : 0.0, rate, duration(remaining).c_str());
  if (final_draw) std::printf("\n");
  std::fflush(stdout);
}

void Progress::end_epoch(double train_loss, double train_accuracy, double test_accuracy, double train_seconds,
                         double test_loss) {
  seconds_per_epoch_ = seconds_per_epoch_ > 0 ? 0.8 * seconds_per_epoch_ + 0.2 * train_seconds : train_seconds;
  if (mode_ == Mode::quiet) return;
  double rate = train_seconds > 0 ? static_cast<double>(examples_) / train_seconds : 0;
  if (mode_ == Mode::bar) {
    // Redraw only every epoch of long runs, and each epoch of short ones: the bar line is replaced.
    std::printf("\r\033[K");
  }
  std::string run = runs_ > 1 ? "run " + std::to_string(run_ + 1) + "/" + std::to_string(runs_) + " " : "";
  if (std::isnan(train_accuracy) && std::isnan(test_accuracy)) {  // regression: losses only
    std::printf("%sepoch %lld/%lld  train loss %.4g  test loss %.4g  %.0f samples/s\n", run.c_str(),
                static_cast<long long>(epoch_), static_cast<long long>(epochs_), train_loss, test_loss, rate);
  } else {
    std::printf("%sepoch %lld/%lld  train loss %.4f  train acc %.2f%%  test acc %.2f%%  %.0f samples/s\n", run.c_str(),
                static_cast<long long>(epoch_), static_cast<long long>(epochs_), train_loss, 100 * train_accuracy,
                100 * test_accuracy, rate);
  }
  std::fflush(stdout);
}

void Progress::message(const std::string& line) {
  if (mode_ == Mode::quiet) return;
  if (mode_ == Mode::bar) std::printf("\r\033[K");
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

}  // namespace minidl::cli

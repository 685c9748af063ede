// ReduceLROnPlateau, as torch.optim.lr_scheduler.ReduceLROnPlateau (1.13): after more than
// `patience` epochs without improvement of the metric, lr = max(lr * factor, min_lr), then
// `cooldown` epochs in which bad epochs are not counted. Improvement is relative
// (metric < best (1 - threshold)) or absolute (metric < best - threshold); mirrored for max.
#pragma once

#include <cstdint>
#include <vector>

#include "minidl/optim/optimizer.h"
#include "minidl/state_dict.h"

namespace minidl::optim {

enum class PlateauMode : int64_t { min = 0, max = 1 };
enum class ThresholdMode : int64_t { rel = 0, abs = 1 };

struct ReduceLROnPlateauOptions {
  PlateauMode mode = PlateauMode::min;
  double factor = 0.1;
  int64_t patience = 10;
  double threshold = 1e-4;
  ThresholdMode threshold_mode = ThresholdMode::rel;
  int64_t cooldown = 0;
  double min_lr = 0;  // for every group
  double eps = 1e-8;  // smaller lr changes are skipped
};

class ReduceLROnPlateau {
 public:
  ReduceLROnPlateau(Optimizer& optimizer, ReduceLROnPlateauOptions options = {});
  ReduceLROnPlateau(const ReduceLROnPlateau&) = delete;
  ReduceLROnPlateau& operator=(const ReduceLROnPlateau&) = delete;

  // One epoch's metric (a validation loss in mode min).
  void step(double metric);
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  double best() const { return best_; }
  int64_t num_bad_epochs() const { return num_bad_epochs_; }

  // "best", "num_bad_epochs", "cooldown_counter", "last_epoch", "last_lr".
  StateDict state_dict() const;
  void load_state_dict(const StateDict& dict);

 private:
  bool is_better(double a, double best) const;

  Optimizer& optimizer_;
  ReduceLROnPlateauOptions options_;
  double best_;
  int64_t num_bad_epochs_ = 0, cooldown_counter_ = 0, last_epoch_ = 0;
  std::vector<double> last_lr_;
};

}  // namespace minidl::optim

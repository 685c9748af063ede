// OneCycleLR (Smith & Topin 2018, "super-convergence"), as torch.optim.lr_scheduler.OneCycleLR
// (1.13): the lr rises from max_lr / div_factor to max_lr over pct_start of total_steps, then
// anneals to initial_lr / final_div_factor (three_phase: back to initial_lr first, then down).
// With cycle_momentum the momentum (SGD, RMSprop) or beta1 (Adam, AdamW) moves the other way,
// between max_momentum and base_momentum.
#pragma once

#include "minidl/optim/schedule.h"

namespace minidl::optim {

enum class AnnealStrategy : int64_t { cos = 0, linear = 1 };

struct OneCycleLROptions {
  double max_lr = 0;        // required (> 0)
  int64_t total_steps = 0;  // required (> 0): step() may be called total_steps times
  double pct_start = 0.3;
  AnnealStrategy anneal_strategy = AnnealStrategy::cos;
  bool cycle_momentum = true;
  double base_momentum = 0.85;
  double max_momentum = 0.95;
  double div_factor = 25;
  double final_div_factor = 1e4;
  bool three_phase = false;
};

class OneCycleLR : public LRScheduler {
 public:
  // Sets each group's momentum (or beta1) to max_momentum when cycle_momentum is on.
  OneCycleLR(Optimizer& optimizer, OneCycleLROptions options);

 private:
  struct Phase {
    double end_step;
    int start_lr, end_lr;              // 0 initial_lr, 1 max_lr, 2 min_lr
    int start_momentum, end_momentum;  // 0 max_momentum, 1 base_momentum
  };
  std::vector<double> get_lr(int64_t epoch) override;
  double anneal(double start, double end, double pct) const;

  OneCycleLROptions options_;
  std::vector<Phase> phases_;
  double initial_lr_, min_lr_;
};

}  // namespace minidl::optim

// OneCycleLR: PyTorch 1.13's phases, annealing functions and momentum cycling.
#include "minidl/optim/one_cycle_lr.h"

#include <cmath>
#include <numbers>

#include "minidl/error.h"

namespace minidl::optim {

namespace {

const OneCycleLROptions& validated(Optimizer& optimizer, const OneCycleLROptions& o) {
  detail::require(o.max_lr > 0, "OneCycleLR", "max_lr", "> 0", o.max_lr);
  detail::require(o.total_steps > 0, "OneCycleLR", "total_steps", "> 0", static_cast<double>(o.total_steps));
  detail::require(o.pct_start >= 0 && o.pct_start <= 1, "OneCycleLR", "pct_start", "in [0, 1]", o.pct_start);
  detail::require(o.div_factor > 0, "OneCycleLR", "div_factor", "> 0", o.div_factor);
  detail::require(o.final_div_factor > 0, "OneCycleLR", "final_div_factor", "> 0", o.final_div_factor);
  int64_t anneal = static_cast<int64_t>(o.anneal_strategy);
  detail::require(anneal == 0 || anneal == 1, "OneCycleLR", "anneal_strategy", "cos or linear", static_cast<double>(anneal));
  if (o.cycle_momentum) {
    for (size_t g = 0; g < optimizer.num_param_groups(); ++g) {
      if (!optimizer.momentum_option(g)) {
        throw ValueError(std::string("OneCycleLR: cycle_momentum needs an optimizer with momentum or betas, but ") +
                         optimizer.name() + " has neither; pass .cycle_momentum = false");
      }
    }
  }
  return o;
}

}  // namespace

OneCycleLR::OneCycleLR(Optimizer& optimizer, OneCycleLROptions options)
    : LRScheduler(optimizer, "OneCycleLR"), options_(validated(optimizer, options)) {
  const double total = static_cast<double>(options_.total_steps);
  const double pct = options_.pct_start;
  if (options_.three_phase) {
    phases_ = {{pct * total - 1, 0, 1, 0, 1}, {2 * pct * total - 2, 1, 0, 1, 0}, {total - 1, 0, 2, 0, 0}};
  } else {
    phases_ = {{pct * total - 1, 0, 1, 0, 1}, {total - 1, 1, 2, 1, 0}};
  }
  initial_lr_ = options_.max_lr / options_.div_factor;
  min_lr_ = initial_lr_ / options_.final_div_factor;
  base_lrs_.assign(base_lrs_.size(), initial_lr_);  // PyTorch sets each group's initial_lr
  if (options_.cycle_momentum) {
    for (size_t g = 0; g < optimizer.num_param_groups(); ++g) *optimizer.momentum_option(g) = options_.max_momentum;
  }
  initial_step();
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (options_.anneal_strategy == AnnealStrategy::cos) {
    double cos_out = std::cos(std::numbers::pi * pct) + 1;
    return end + (start - end) / 2.0 * cos_out;
  }
  return (end - start) * pct + start;
}

std::vector<double> OneCycleLR::get_lr(int64_t epoch) {
  if (epoch > options_.total_steps) {
    throw ValueError("OneCycleLR: tried to step " + std::to_string(epoch + 1) + " times; total_steps is " +
                     std::to_string(options_.total_steps) + " (the constructor makes the first)");
  }
  const double lrs_of[3] = {initial_lr_, options_.max_lr, min_lr_};
  const double momenta_of[2] = {options_.max_momentum, options_.base_momentum};
  const double step_num = static_cast<double>(epoch);
  double lr = 0, momentum = 0, start_step = 0;
  for (size_t i = 0; i < phases_.size(); ++i) {
    const Phase& phase = phases_[i];
    if (step_num <= phase.end_step || i == phases_.size() - 1) {
      double pct = (step_num - start_step) / (phase.end_step - start_step);
      lr = anneal(lrs_of[phase.start_lr], lrs_of[phase.end_lr], pct);
      momentum = anneal(momenta_of[phase.start_momentum], momenta_of[phase.end_momentum], pct);
      break;
    }
    start_step = phase.end_step;
  }
  if (options_.cycle_momentum) {
    for (size_t g = 0; g < base_lrs_.size(); ++g) *optimizer_.momentum_option(g) = momentum;
  }
  return std::vector<double>(base_lrs_.size(), lr);
}

}  // namespace minidl::optim

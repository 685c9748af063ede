// ReduceLROnPlateau: PyTorch 1.13's counters, comparisons and eps-skipped reductions.
#include "minidl/optim/reduce_lr_on_plateau.h"

#include <algorithm>
#include <limits>

#include "minidl/error.h"

namespace minidl::optim {

namespace {

const ReduceLROnPlateauOptions& validated(const ReduceLROnPlateauOptions& o) {
  detail::require(o.factor >= 0 && o.factor < 1, "ReduceLROnPlateau", "factor", "in [0, 1)", o.factor);
  detail::require(o.patience >= 0, "ReduceLROnPlateau", "patience", ">= 0", static_cast<double>(o.patience));
  detail::require(o.threshold >= 0, "ReduceLROnPlateau", "threshold", ">= 0", o.threshold);
  detail::require(o.cooldown >= 0, "ReduceLROnPlateau", "cooldown", ">= 0", static_cast<double>(o.cooldown));
  detail::require(o.min_lr >= 0, "ReduceLROnPlateau", "min_lr", ">= 0", o.min_lr);
  detail::require(o.eps >= 0, "ReduceLROnPlateau", "eps", ">= 0", o.eps);
  int64_t mode = static_cast<int64_t>(o.mode), threshold_mode = static_cast<int64_t>(o.threshold_mode);
  detail::require(mode == 0 || mode == 1, "ReduceLROnPlateau", "mode", "min or max", static_cast<double>(mode));
  detail::require(threshold_mode == 0 || threshold_mode == 1, "ReduceLROnPlateau", "threshold_mode", "rel or abs",
                  static_cast<double>(threshold_mode));
  return o;
}

}  // namespace

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, ReduceLROnPlateauOptions options)
    : optimizer_(optimizer), options_(validated(options)) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  best_ = options_.mode == PlateauMode::min ? inf : -inf;
  for (size_t g = 0; g < optimizer.num_param_groups(); ++g) last_lr_.push_back(optimizer.lr(g));
}

bool ReduceLROnPlateau::is_better(double a, double best) const {
  const double th = options_.threshold;
  const bool rel = options_.threshold_mode == ThresholdMode::rel;
  if (options_.mode == PlateauMode::min) return rel ? a < best * (1. - th) : a < best - th;
  return rel ? a > best * (th + 1.) : a > best + th;
}

void ReduceLROnPlateau::step(double metric) {
  last_epoch_ += 1;
  if (is_better(metric, best_)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    num_bad_epochs_ += 1;
  }
  if (cooldown_counter_ > 0) {
    cooldown_counter_ -= 1;
    num_bad_epochs_ = 0;  // bad epochs in cooldown do not count
  }
  if (num_bad_epochs_ > options_.patience) {
    for (size_t g = 0; g < optimizer_.num_param_groups(); ++g) {
      double old_lr = optimizer_.lr(g);
      double new_lr = std::max(old_lr * options_.factor, options_.min_lr);
      if (old_lr - new_lr > options_.eps) optimizer_.set_lr(g, new_lr);
    }
    cooldown_counter_ = options_.cooldown;
    num_bad_epochs_ = 0;
  }
  last_lr_.clear();
  for (size_t g = 0; g < optimizer_.num_param_groups(); ++g) last_lr_.push_back(optimizer_.lr(g));
}

StateDict ReduceLROnPlateau::state_dict() const {
  StateDict out;
  out.insert("best", scalar_tensor(best_, kFloat64));
  out.insert("num_bad_epochs", scalar_tensor(static_cast<double>(num_bad_epochs_), kInt64));
  out.insert("cooldown_counter", scalar_tensor(static_cast<double>(cooldown_counter_), kInt64));
  out.insert("last_epoch", scalar_tensor(static_cast<double>(last_epoch_), kInt64));
  out.insert("last_lr", tensor(last_lr_, {static_cast<int64_t>(last_lr_.size())}, kFloat64));
  return out;
}

void ReduceLROnPlateau::load_state_dict(const StateDict& dict) {
  auto check = [&](const std::string& key, Dtype dtype, const Shape& shape) {
    const Tensor* t = dict.find(key);
    if (!t) throw ValueError("ReduceLROnPlateau.load_state_dict: missing '" + key + "'");
    if (!t->defined() || t->dtype() != dtype || t->shape() != shape) {
      throw ValueError("ReduceLROnPlateau.load_state_dict: '" + key + "' must be " + to_string(dtype) + " " +
                       to_string(shape));
    }
  };
  check("best", kFloat64, {});
  check("num_bad_epochs", kInt64, {});
  check("cooldown_counter", kInt64, {});
  check("last_epoch", kInt64, {});
  check("last_lr", kFloat64, {static_cast<int64_t>(last_lr_.size())});
  for (const auto& [key, value] : dict) {
    if (key != "best" && key != "num_bad_epochs" && key != "cooldown_counter" && key != "last_epoch" && key != "last_lr") {
      throw ValueError("ReduceLROnPlateau.load_state_dict: unexpected key '" + key + "'");
    }
  }
  best_ = dict.at("best").item();
  num_bad_epochs_ = static_cast<int64_t>(dict.at("num_bad_epochs").item());
  cooldown_counter_ = static_cast<int64_t>(dict.at("cooldown_counter").item());
  last_epoch_ = static_cast<int64_t>(dict.at("last_epoch").item());
  last_lr_ = dict.at("last_lr").to_vector();
}

}  // namespace minidl::optim

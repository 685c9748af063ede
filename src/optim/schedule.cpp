// LRScheduler and the closed-form schedulers, each get_lr in PyTorch 1.13's (chainable) form so
// the lr sequences agree to rounding.
#include "minidl/optim/schedule.h"

#include <cmath>
#include <numbers>

#include "minidl/error.h"

namespace minidl::optim {

namespace {

Tensor doubles(const std::vector<double>& v) { return tensor(v, {static_cast<int64_t>(v.size())}, kFloat64); }

void check_entry(const char* name, const StateDict& dict, const std::string& key, Dtype dtype, const Shape& shape) {
  const Tensor* t = dict.find(key);
  std::string where = std::string(name) + ".load_state_dict: ";
  if (!t) throw ValueError(where + "missing '" + key + "'");
  if (!t->defined() || t->dtype() != dtype || t->shape() != shape) {
    throw ValueError(where + "'" + key + "' must be " + to_string(dtype) + " " + to_string(shape) + ", got " +
                     (t->defined() ? to_string(t->dtype()) + " " + to_string(t->shape()) : std::string("undefined")));
  }
}

}  // namespace

LRScheduler::LRScheduler(Optimizer& optimizer, const char* name) : optimizer_(optimizer), name_(name) {
  for (size_t g = 0; g < optimizer.num_param_groups(); ++g) base_lrs_.push_back(optimizer.lr(g));
}

void LRScheduler::step() {
  std::vector<double> lrs = get_lr(last_epoch_ + 1);
  last_epoch_ += 1;
  for (size_t g = 0; g < lrs.size(); ++g) optimizer_.set_lr(g, lrs[g]);
  last_lr_ = std::move(lrs);
}

StateDict LRScheduler::state_dict() const {
  StateDict out;
  out.insert("last_epoch", scalar_tensor(static_cast<double>(last_epoch_), kInt64));
  out.insert("base_lrs", doubles(base_lrs_));
  out.insert("last_lr", doubles(last_lr_));
  return out;
}

void LRScheduler::load_state_dict(const StateDict& dict) {
  const int64_t groups = static_cast<int64_t>(base_lrs_.size());
  check_entry(name_, dict, "last_epoch", kInt64, {});
  check_entry(name_, dict, "base_lrs", kFloat64, {groups});
  check_entry(name_, dict, "last_lr", kFloat64, {groups});
  for (const auto& [key, value] : dict) {
    if (key != "last_epoch" && key != "base_lrs" && key != "last_lr") {
      throw ValueError(std::string(name_) + ".load_state_dict: unexpected key '" + key + "'");
    }
  }
  last_epoch_ = static_cast<int64_t>(dict.at("last_epoch").item());
  base_lrs_ = dict.at("base_lrs").to_vector();
  last_lr_ = dict.at("last_lr").to_vector();
}

// ---- StepLR ----------------------------------------------------------------------------------

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer, "StepLR"), step_size_(step_size), gamma_(gamma) {
  detail::require(step_size >= 1, "StepLR", "step_size", ">= 1", static_cast<double>(step_size));
  detail::require(gamma > 0, "StepLR", "gamma", "> 0", gamma);
  initial_step();
}

std::vector<double> StepLR::get_lr(int64_t epoch) {
  std::vector<double> lrs;
  for (size_t g = 0; g < base_lrs_.size(); ++g) {
    double lr = optimizer_.lr(g);
    lrs.push_back(epoch == 0 || epoch % step_size_ != 0 ? lr : lr * gamma_);
  }
  return lrs;
}

// ---- ExponentialLR ---------------------------------------------------------------------------

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma) : LRScheduler(optimizer, "ExponentialLR"), gamma_(gamma) {
  detail::require(gamma > 0, "ExponentialLR", "gamma", "> 0", gamma);
  initial_step();
}

std::vector<double> ExponentialLR::get_lr(int64_t epoch) {
  std::vector<double> lrs;
  for (size_t g = 0; g < base_lrs_.size(); ++g) lrs.push_back(epoch == 0 ? optimizer_.lr(g) : optimizer_.lr(g) * gamma_);
  return lrs;
}

// ---- CosineAnnealingLR -----------------------------------------------------------------------

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRScheduler(optimizer, "CosineAnnealingLR"), T_max_(T_max), eta_min_(eta_min) {
  detail::require(T_max >= 1, "CosineAnnealingLR", "T_max", ">= 1", static_cast<double>(T_max));
  detail::require(eta_min >= 0, "CosineAnnealingLR", "eta_min", ">= 0", eta_min);
  initial_step();
}

std::vector<double> CosineAnnealingLR::get_lr(int64_t epoch) {
  constexpr double pi = std::numbers::pi;
  const double T = static_cast<double>(T_max_), e = static_cast<double>(epoch);
  std::vector<double> lrs;
  for (size_t g = 0; g < base_lrs_.size(); ++g) {
    const double lr = optimizer_.lr(g);
    if (epoch == 0) {
      lrs.push_back(lr);
    } else if ((epoch - 1 - T_max_) % (2 * T_max_) == 0) {
      lrs.push_back(lr + (base_lrs_[g] - eta_min_) * (1 - std::cos(pi / T)) / 2);
    } else {
      lrs.push_back((1 + std::cos(pi * e / T)) / (1 + std::cos(pi * (e - 1) / T)) * (lr - eta_min_) + eta_min_);
    }
  }
  return lrs;
}

// ---- LambdaLR --------------------------------------------------------------------------------

LambdaLR::LambdaLR(Optimizer& optimizer, Lambda lr_lambda)
    : LambdaLR(optimizer, std::vector<Lambda>(optimizer.num_param_groups(), lr_lambda)) {}

LambdaLR::LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas) : LRScheduler(optimizer, "LambdaLR") {
  if (lr_lambdas.size() != base_lrs_.size()) {
    throw ValueError("LambdaLR: expected " + std::to_string(base_lrs_.size()) + " lr_lambdas (one per parameter group), got " +
                     std::to_string(lr_lambdas.size()));
  }
  for (const Lambda& f : lr_lambdas) {
    if (!f) throw ValueError("LambdaLR: an lr_lambda is empty");
  }
  lr_lambdas_ = std::move(lr_lambdas);
  initial_step();
}

std::vector<double> LambdaLR::get_lr(int64_t epoch) {
  std::vector<double> lrs;
  for (size_t g = 0; g < base_lrs_.size(); ++g) lrs.push_back(base_lrs_[g] * lr_lambdas_[g](epoch));
  return lrs;
}

// ---- PowerDecayLR ----------------------------------------------------------------------------

PowerDecayLR::PowerDecayLR(Optimizer& optimizer, double eta, double kappa)
    : LRScheduler(optimizer, "PowerDecayLR"), eta_(eta), kappa_(kappa) {
  detail::require(eta >= 0, "PowerDecayLR", "eta", ">= 0", eta);
  detail::require(kappa >= 0, "PowerDecayLR", "kappa", ">= 0", kappa);
  initial_step();
}

std::vector<double> PowerDecayLR::get_lr(int64_t epoch) {
  const double t = static_cast<double>(epoch + 1);
  return std::vector<double>(base_lrs_.size(), eta_ * std::pow(t, -kappa_));
}

}  // namespace minidl::optim

// Standardizer: statistics in float64 (a float32 running sum over 60k values loses digits),
// applied in the data's dtype.
#include "minidl/data/standardizer.h"

#include <cmath>
#include <string>

#include "minidl/error.h"

namespace minidl::data {

namespace {

void check_features_tensor(const char* op, const Tensor& x) {
  if (!x.defined() || x.dim() != 2 || !is_floating(x.dtype())) {
    throw ShapeError(std::string(op) + ": expected a float tensor of shape (N, features), got " +
                     (x.defined() ? to_string(x.dtype()) + " " + to_string(x.shape()) : std::string("undefined")));
  }
}

}  // namespace

void Standardizer::fit(const Tensor& x) {
  check_features_tensor("Standardizer::fit", x);
  int64_t n = x.size(0), f = x.size(1);
  if (n < 2) throw DataError("Standardizer::fit: needs at least 2 rows for an unbiased std, got " + std::to_string(n));
  check_finite(x, "Standardizer::fit: input");
  std::vector<double> values = x.to_vector();
  Tensor mean = zeros({f}, kFloat64), std = zeros({f}, kFloat64);
  double* m = mean.data<double>();
  double* s = std.data<double>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < f; ++j) m[j] += values[i * f + j];
  for (int64_t j = 0; j < f; ++j) m[j] /= static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < f; ++j) {
      double d = values[i * f + j] - m[j];  // two passes: no cancellation of sum(x^2) - n mean^2
      s[j] += d * d;
    }
  }
  for (int64_t j = 0; j < f; ++j) {
    s[j] = std::sqrt(s[j] / static_cast<double>(n - 1));
    if (!(s[j] > 0)) {
      throw DataError("Standardizer::fit: feature " + std::to_string(j) +
                      " is constant in the training set (std 0), so it cannot be standardised");
    }
  }
  mean_ = mean;
  std_ = std;
}

Standardizer Standardizer::fitted_on(const Tensor& x) {
  Standardizer s;
  s.fit(x);
  return s;
}

Tensor Standardizer::transform(const Tensor& x) const {
  if (!fitted()) throw ValueError("Standardizer::transform: not fitted (call fit() or load_state_dict())");
  check_features_tensor("Standardizer::transform", x);
  if (x.size(1) != num_features()) {
    throw ShapeError("Standardizer::transform: input has " + std::to_string(x.size(1)) + " features, fitted on " +
                     std::to_string(num_features()) + " (input shape " + to_string(x.shape()) + ")");
  }
  int64_t n = x.size(0), f = x.size(1);
  const double* m = mean_.data<double>();
  const double* s = std_.data<double>();
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  auto run = [&]<class T>() {
    const T* px = x.data<T>();
    T* py = y.data<T>();
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < f; ++j) py[i * f + j] = static_cast<T>((px[i * f + j] - m[j]) / s[j]);
  };
  if (x.dtype() == kFloat32) run.template operator()<float>();
  else run.template operator()<double>();
  return y;
}

TensorDataset Standardizer::transform(const TensorDataset& dataset) const {
  if (dataset.size() == 0) return dataset;
  return TensorDataset(transform(dataset.inputs()), dataset.labels(), dataset.targets(),
                       dataset.labels().defined() ? dataset.num_classes() : 0);
}

StateDict Standardizer::state_dict() const {
  if (!fitted()) throw ValueError("Standardizer::state_dict: not fitted");
  StateDict state;
  state.insert("mean", mean_.clone());
  state.insert("std", std_.clone());
  return state;
}

void Standardizer::load_state_dict(const StateDict& state) {
  const Tensor& mean = state.at("mean");
  const Tensor& std = state.at("std");
  if (mean.dim() != 1 || std.shape() != mean.shape() || !is_floating(mean.dtype()) || !is_floating(std.dtype())) {
    throw ValueError("Standardizer::load_state_dict: expected float 'mean' and 'std' of one shape (F), got " +
                     to_string(mean.dtype()) + " " + to_string(mean.shape()) + " and " + to_string(std.dtype()) + " " +
                     to_string(std.shape()));
  }
  Tensor m = mean.to(kFloat64).clone(), s = std.to(kFloat64).clone();
  for (double v : s.to_vector()) {
    if (!(v > 0) || !std::isfinite(v)) {
      throw ValueError("Standardizer::load_state_dict: 'std' must be finite and > 0, got " + std::to_string(v));
    }
  }
  for (double v : m.to_vector()) {
    if (!std::isfinite(v)) throw ValueError("Standardizer::load_state_dict: 'mean' must be finite, got " + std::to_string(v));
  }
  mean_ = m;
  std_ = s;
}

}  // namespace minidl::data

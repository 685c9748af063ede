// Gradient clipping: in-place on the gradient tensors (never recorded), norms accumulated in double.
#include "minidl/nn/utils.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "dispatch.h"
#include "minidl/error.h"

namespace minidl::nn::utils {

double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type, bool error_if_nonfinite) {
  if (!(norm_type > 0)) throw ValueError("clip_grad_norm_: norm_type must be > 0, got " + std::to_string(norm_type));
  std::vector<Tensor> grads;
  for (const Tensor& p : parameters) {
    if (p.defined() && p.grad().defined()) grads.push_back(p.grad());
  }
  if (grads.empty()) return 0.0;
  bool inf_norm = std::isinf(norm_type);
  double total = 0;
  for (const Tensor& g : grads) {
    minidl::detail::dispatch_float("clip_grad_norm_", g.dtype(), [&]<class T>() {
      const T* p = g.data<T>();
      for (int64_t i = 0, n = g.numel(); i < n; ++i) {
        double a = std::abs(static_cast<double>(p[i]));
        if (std::isnan(a)) total = NAN;
        else if (inf_norm) total = std::max(total, a);
        else total += norm_type == 2.0 ? a * a : std::pow(a, norm_type);
      }
    });
  }
  if (!inf_norm) total = norm_type == 2.0 ? std::sqrt(total) : std::pow(total, 1.0 / norm_type);
  if (error_if_nonfinite && !std::isfinite(total)) {
    throw ValueError("clip_grad_norm_: the total norm of order " + std::to_string(norm_type) +
                     " of the gradients is non-finite (" + std::to_string(total) + "), so it cannot be clipped");
  }
  // PyTorch 1.13: clip_coef = max_norm / (total + 1e-6), clamped to at most 1, always multiplied.
  double clip_coef = std::min(max_norm / (total + 1e-6), 1.0);
  if (clip_coef < 1.0 || std::isnan(clip_coef)) {
    for (Tensor& g : grads) g.mul_(clip_coef);
  }
  return total;
}

void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value) {
  if (!(clip_value >= 0)) throw ValueError("clip_grad_value_: clip_value must be >= 0, got " + std::to_string(clip_value));
  for (const Tensor& p : parameters) {
    if (!p.defined() || !p.grad().defined()) continue;
    Tensor g = p.grad();
    minidl::detail::dispatch_float("clip_grad_value_", g.dtype(), [&]<class T>() {
      T* q = g.data<T>();
      T c = static_cast<T>(clip_value);
      for (int64_t i = 0, n = g.numel(); i < n; ++i) q[i] = std::clamp(q[i], -c, c);
    });
  }
}

}  // namespace minidl::nn::utils

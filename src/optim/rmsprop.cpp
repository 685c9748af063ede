// RMSprop: one fused loop per parameter, in PyTorch 1.13's operation order.
#include "minidl/optim/rmsprop.h"

#include <cmath>

#include "../dispatch.h"
#include "../thread_pool.h"

namespace minidl::optim {

RMSprop::RMSprop(std::vector<Tensor> params, Options options)
    : RMSprop(std::vector<Group>{{std::move(params), options}}) {}

RMSprop::RMSprop(std::vector<Group> groups) : OptimizerOf("RMSprop", std::move(groups), &RMSprop::validate) {
  reset();
}

void RMSprop::validate(const Options& o) {
  detail::require(o.lr >= 0, "RMSprop", "lr", ">= 0", o.lr);
  detail::require(o.eps >= 0, "RMSprop", "eps", ">= 0", o.eps);
  detail::require(o.momentum >= 0, "RMSprop", "momentum", ">= 0", o.momentum);
  detail::require(o.weight_decay >= 0, "RMSprop", "weight_decay", ">= 0", o.weight_decay);
  detail::require(o.alpha >= 0, "RMSprop", "alpha", ">= 0", o.alpha);
}

void RMSprop::reset() {
  step_.assign(params_.size(), 0);
  square_avg_.clear();
  for (const Tensor& p : params_) square_avg_.push_back(zeros(p.shape(), p.dtype()));
  momentum_buffer_.assign(params_.size(), Tensor());
  grad_avg_.assign(params_.size(), Tensor());
}

namespace {

// As SGD's loop: `restrict`, options as template flags, wd = 0 for no decay (exact for finite
// parameters), so it vectorises without run-time alias checks.
template <class T, bool kCentered, bool kMomentum>
void rmsprop_loop(T* __restrict p, const T* __restrict grad, T* __restrict sq, T* __restrict ga, T* __restrict buf,
                  int64_t n, T alpha, T one_minus_alpha, T eps, T wd, T mu, T neg_lr) {
  for (int64_t j = 0; j < n; ++j) {
    T g = grad[j] + wd * p[j];
    T v = sq[j] * alpha + one_minus_alpha * g * g;
    sq[j] = v;
    T avg;
    if constexpr (kCentered) {
      T a = ga[j] * alpha + one_minus_alpha * g;
      ga[j] = a;
      avg = std::sqrt(v + T(-1) * a * a);
    } else {
      avg = std::sqrt(v);
    }
    avg = avg + eps;
    if constexpr (kMomentum) {
      T b = buf[j] * mu + g / avg;
      buf[j] = b;
      p[j] = p[j] + neg_lr * b;
    } else {
      p[j] = p[j] + neg_lr * g / avg;
    }
  }
}

template <class T>
void rmsprop_kernel(T* p, const T* grad, T* sq, T* ga, T* buf, int64_t n, const RMSpropOptions& o) {
  const T alpha = static_cast<T>(o.alpha), one_minus_alpha = static_cast<T>(1 - o.alpha);
  const T eps = static_cast<T>(o.eps), wd = static_cast<T>(o.weight_decay), mu = static_cast<T>(o.momentum);
  const T neg_lr = static_cast<T>(-o.lr);
  if (ga && buf) return rmsprop_loop<T, true, true>(p, grad, sq, ga, buf, n, alpha, one_minus_alpha, eps, wd, mu, neg_lr);
  if (ga) return rmsprop_loop<T, true, false>(p, grad, sq, ga, nullptr, n, alpha, one_minus_alpha, eps, wd, mu, neg_lr);
  if (buf) return rmsprop_loop<T, false, true>(p, grad, sq, nullptr, buf, n, alpha, one_minus_alpha, eps, wd, mu, neg_lr);
  rmsprop_loop<T, false, false>(p, grad, sq, nullptr, nullptr, n, alpha, one_minus_alpha, eps, wd, mu, neg_lr);
}

}  // namespace

void RMSprop::step() {
  for_each_gradient([&](size_t i, Tensor& p, const Tensor& grad, const Options& o) {
    ++step_[i];
    if (o.momentum > 0 && !momentum_buffer_[i].defined()) momentum_buffer_[i] = zeros(p.shape(), p.dtype());
    if (o.centered && !grad_avg_[i].defined()) grad_avg_[i] = zeros(p.shape(), p.dtype());
    minidl::detail::dispatch_float("RMSprop", p.dtype(), [&]<class T>() {
      T* ga = o.centered ? grad_avg_[i].data<T>() : nullptr;
      T* buf = o.momentum > 0 ? momentum_buffer_[i].data<T>() : nullptr;
      minidl::detail::parallel_blocks(p.numel(), minidl::detail::kParallelUpdateElements, 16,
                                      [&](int64_t b, int64_t e) {
        rmsprop_kernel<T>(p.data<T>() + b, grad.data<T>() + b, square_avg_[i].data<T>() + b, ga ? ga + b : nullptr,
                          buf ? buf + b : nullptr, e - b, o);
      });
    });
  });
}

}  // namespace minidl::optim

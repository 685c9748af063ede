// Adam and AdamW: one class template and one fused kernel per parameter; `decoupled` selects
// AdamW's decay.
// The operation order is PyTorch 1.13's single-tensor path, so float64 results agree to rounding.
#include "minidl/optim/adam.h"

#include <algorithm>
#include <cmath>

#include "../dispatch.h"
#include "../thread_pool.h"

namespace minidl::optim {

namespace {

struct AdamStep {
  double lr, beta1, beta2, eps, weight_decay;
  bool amsgrad, decoupled;
  int64_t t;  // the step number, counted from 1
};

// The update of one element; kAmsgrad keeps the running max of the second moment.
template <class T, bool kAmsgrad>
void adam_loop(T* __restrict p, const T* __restrict grad, T* __restrict m, T* __restrict v, T* __restrict vmax,
               int64_t n, T neg_step_size, T bc2_sqrt, T b1, T b2, T one_minus_b1, T one_minus_b2, T eps, T wd,
               T shrink) {
  // `restrict` and no branch on the options inside the loop: it vectorises without run-time
  // alias checks (with them GCC kept the scalar version, and the step was half of a batch-1
  // training step).
  for (int64_t j = 0; j < n; ++j) {
    T g = grad[j] + wd * p[j];  // wd is 0 unless L2 decay (Adam's weight_decay)
    T x = p[j] * shrink;        // shrink is 1 unless decoupled decay (AdamW)
    T mj = m[j] * b1 + one_minus_b1 * g;
    T vj = v[j] * b2 + one_minus_b2 * g * g;
    m[j] = mj;
    v[j] = vj;
    T second = vj;
    if constexpr (kAmsgrad) {
      second = std::max(vmax[j], vj);
      vmax[j] = second;
    }
    T denom = std::sqrt(second) / bc2_sqrt + eps;
    p[j] = x + neg_step_size * mj / denom;
  }
}

template <class T>
void adam_kernel(T* p, const T* grad, T* m, T* v, T* vmax, int64_t n, const AdamStep& s) {
  const double bias_correction1 = 1 - std::pow(s.beta1, static_cast<double>(s.t));
  const double bias_correction2 = 1 - std::pow(s.beta2, static_cast<double>(s.t));
  const T neg_step_size = static_cast<T>(-(s.lr / bias_correction1));
  const T bc2_sqrt = static_cast<T>(std::sqrt(bias_correction2));
  const T b1 = static_cast<T>(s.beta1), b2 = static_cast<T>(s.beta2);
  const T one_minus_b1 = static_cast<T>(1 - s.beta1), one_minus_b2 = static_cast<T>(1 - s.beta2);
  const T eps = static_cast<T>(s.eps);
  // NOTE: for finite parameters adding 0 * p and multiplying by 1 are exact, so folding the
  // options into constants keeps the results of PyTorch's operation order (the golden tests).
  const T wd = !s.decoupled ? static_cast<T>(s.weight_decay) : T(0);
  const T shrink = s.decoupled ? static_cast<T>(1 - s.lr * s.weight_decay) : T(1);
  if (vmax) {
    adam_loop<T, true>(p, grad, m, v, vmax, n, neg_step_size, bc2_sqrt, b1, b2, one_minus_b1, one_minus_b2, eps, wd,
                       shrink);
  } else {
    adam_loop<T, false>(p, grad, m, v, nullptr, n, neg_step_size, bc2_sqrt, b1, b2, one_minus_b1, one_minus_b2, eps,
                        wd, shrink);
  }
}

}  // namespace

template <WeightDecay kDecay>
constexpr const char* kName = kDecay == WeightDecay::decoupled ? "AdamW" : "Adam";

template <WeightDecay kDecay>
AdamOf<kDecay>::AdamOf(std::vector<Tensor> params, Options options)
    : AdamOf(std::vector<Group>{{std::move(params), options}}) {}

template <WeightDecay kDecay>
AdamOf<kDecay>::AdamOf(std::vector<Group> groups)
    : OptimizerOf<Options>(kName<kDecay>, std::move(groups), &AdamOf::validate) {
  reset();
}

template <WeightDecay kDecay>
void AdamOf<kDecay>::validate(const Options& o) {
  const char* name = kName<kDecay>;
  detail::require(o.lr >= 0, name, "lr", ">= 0", o.lr);
  detail::require(o.eps >= 0, name, "eps", ">= 0", o.eps);
  detail::require(o.betas[0] >= 0 && o.betas[0] < 1, name, "betas[0]", "in [0, 1)", o.betas[0]);
  detail::require(o.betas[1] >= 0 && o.betas[1] < 1, name, "betas[1]", "in [0, 1)", o.betas[1]);
  detail::require(o.weight_decay >= 0, name, "weight_decay", ">= 0", o.weight_decay);
}

template <WeightDecay kDecay>
void AdamOf<kDecay>::reset() {
  step_.assign(this->params_.size(), 0);
  exp_avg_.clear();
  exp_avg_sq_.clear();
  for (const Tensor& p : this->params_) {
    exp_avg_.push_back(zeros(p.shape(), p.dtype()));
    exp_avg_sq_.push_back(zeros(p.shape(), p.dtype()));
  }
  max_exp_avg_sq_.assign(this->params_.size(), Tensor());
}

template <WeightDecay kDecay>
void AdamOf<kDecay>::step() {
  this->for_each_gradient([&](size_t i, Tensor& p, const Tensor& grad, const Options& o) {
    if (o.amsgrad && !max_exp_avg_sq_[i].defined()) max_exp_avg_sq_[i] = zeros(p.shape(), p.dtype());
    AdamStep s{o.lr, o.betas[0], o.betas[1], o.eps, o.weight_decay, o.amsgrad, kDecay == WeightDecay::decoupled,
               ++step_[i]};
    minidl::detail::dispatch_float(kName<kDecay>, p.dtype(), [&]<class T>() {
      T* vmax = o.amsgrad ? max_exp_avg_sq_[i].data<T>() : nullptr;
      // Large parameters are updated by the whole team: with two threads the products leave
      // half of each gradient in the other core's cache, and one thread reading it all was
      // the step's bottleneck.
      minidl::detail::parallel_blocks(p.numel(), minidl::detail::kParallelUpdateElements, 16,
                                      [&](int64_t b, int64_t e) {
        adam_kernel<T>(p.data<T>() + b, grad.data<T>() + b, exp_avg_[i].data<T>() + b, exp_avg_sq_[i].data<T>() + b,
                       vmax ? vmax + b : nullptr, e - b, s);
      });
    });
  });
}

template <WeightDecay kDecay>
Optimizer::Slots AdamOf<kDecay>::state_slots() {
  return {{{"exp_avg", &exp_avg_, true}, {"exp_avg_sq", &exp_avg_sq_, true}, {"max_exp_avg_sq", &max_exp_avg_sq_, false}},
          {{"step", &step_}}};
}

template class AdamOf<WeightDecay::l2>;
template class AdamOf<WeightDecay::decoupled>;

}  // namespace minidl::optim

// SGD: one fused loop per parameter over raw memory, in PyTorch 1.13's operation order.
#include "minidl/optim/sgd.h"

#include "../dispatch.h"
#include "../thread_pool.h"

namespace minidl::optim {

SGD::SGD(std::vector<Tensor> params, Options options) : SGD(std::vector<Group>{{std::move(params), options}}) {}

SGD::SGD(std::vector<Group> groups) : OptimizerOf("SGD", std::move(groups), &SGD::validate) {
  momentum_buffer_.resize(params_.size());
}

void SGD::validate(const Options& o) {
  detail::require(o.lr >= 0, "SGD", "lr", ">= 0", o.lr);
  detail::require(o.momentum >= 0, "SGD", "momentum", ">= 0", o.momentum);
  detail::require(o.weight_decay >= 0, "SGD", "weight_decay", ">= 0", o.weight_decay);
  if (o.nesterov && (o.momentum <= 0 || o.dampening != 0)) {
    throw ValueError("SGD: nesterov requires momentum > 0 and dampening = 0, got momentum " +
                     detail::format_number(o.momentum) + " and dampening " + detail::format_number(o.dampening));
  }
}

void SGD::reset() {
  for (Tensor& b : momentum_buffer_) b = Tensor();
}

namespace {

// `restrict` pointers and the options as template flags: the loop vectorises with no run-time
// alias checks (with them GCC kept the scalar loop). wd = 0 folds the no-decay case: adding
// 0 * p is exact for finite parameters.
template <class T, bool kMomentum, bool kFirst, bool kNesterov>
void sgd_loop(T* __restrict p, const T* __restrict grad, T* __restrict buf, int64_t n, T wd, T mu, T keep, T neg_lr) {
  for (int64_t j = 0; j < n; ++j) {
    T g = grad[j] + wd * p[j];
    if constexpr (kMomentum) {
      T b = kFirst ? g : buf[j] * mu + keep * g;  // the first buffer is g itself: no dampening
      buf[j] = b;
      g = kNesterov ? g + mu * b : b;
    }
    p[j] = p[j] + neg_lr * g;
  }
}

template <class T>
void sgd_kernel(T* p, const T* grad, T* buf, bool first, int64_t n, const SGDOptions& o) {
  const T wd = static_cast<T>(o.weight_decay), mu = static_cast<T>(o.momentum);
  const T keep = static_cast<T>(1 - o.dampening), neg_lr = static_cast<T>(-o.lr);
  if (!buf) return sgd_loop<T, false, false, false>(p, grad, nullptr, n, wd, mu, keep, neg_lr);
  if (first) {
    if (o.nesterov) return sgd_loop<T, true, true, true>(p, grad, buf, n, wd, mu, keep, neg_lr);
    return sgd_loop<T, true, true, false>(p, grad, buf, n, wd, mu, keep, neg_lr);
  }
  if (o.nesterov) return sgd_loop<T, true, false, true>(p, grad, buf, n, wd, mu, keep, neg_lr);
  sgd_loop<T, true, false, false>(p, grad, buf, n, wd, mu, keep, neg_lr);
}

}  // namespace

void SGD::step() {
  for_each_gradient([&](size_t i, Tensor& p, const Tensor& grad, const Options& o) {
    bool first = false;
    if (o.momentum != 0 && !momentum_buffer_[i].defined()) {
      momentum_buffer_[i] = Tensor::empty(p.shape(), p.dtype());
      first = true;
    }
    Tensor& buf = momentum_buffer_[i];
    minidl::detail::dispatch_float("SGD", p.dtype(), [&]<class T>() {
      T* b = o.momentum != 0 ? buf.data<T>() : nullptr;
      minidl::detail::parallel_blocks(p.numel(), minidl::detail::kParallelUpdateElements, 16,
                                      [&](int64_t begin, int64_t end) {
        sgd_kernel<T>(p.data<T>() + begin, grad.data<T>() + begin, b ? b + begin : nullptr, first, end - begin, o);
      });
    });
  });
}

}  // namespace minidl::optim

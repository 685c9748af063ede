// SGD: one fused loop per parameter over raw memory, in PyTorch 1.13's operation order.
#include "minidl/optim/sgd.h"

#include "../dispatch.h"

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

template <class T>
void sgd_kernel(T* p, const T* grad, T* buf, bool first, int64_t n, const SGDOptions& o) {
  const T wd = static_cast<T>(o.weight_decay), mu = static_cast<T>(o.momentum);
  const T keep = static_cast<T>(1 - o.dampening), neg_lr = static_cast<T>(-o.lr);
  const bool decay = o.weight_decay != 0, nesterov = o.nesterov;
  for (int64_t j = 0; j < n; ++j) {
    T g = decay ? grad[j] + wd * p[j] : grad[j];
    if (buf) {
      T b = first ? g : buf[j] * mu + keep * g;  // the first buffer is g itself: no dampening
      buf[j] = b;
      g = nesterov ? g + mu * b : b;
    }
    p[j] = p[j] + neg_lr * g;
  }
}

}  // namespace

void SGD::step() {
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    const Options& o = groups_[gi].options;
    for (size_t i = group_begin(gi); i < group_end(gi); ++i) {
      Tensor& p = params_[i];
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      bool first = false;
      if (o.momentum != 0 && !momentum_buffer_[i].defined()) {
        momentum_buffer_[i] = Tensor::empty(p.shape(), p.dtype());
        first = true;
      }
      Tensor& buf = momentum_buffer_[i];
      minidl::detail::dispatch_float("SGD", p.dtype(), [&]<class T>() {
        sgd_kernel<T>(p.data<T>(), grad.data<T>(), o.momentum != 0 ? buf.data<T>() : nullptr, first, p.numel(), o);
      });
    }
  }
}

}  // namespace minidl::optim

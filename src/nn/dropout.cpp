// Dropout: the mask is drawn once per forward and captured by the backward (dx = dy * mask / (1-p)).
#include "minidl/nn/dropout.h"

#include "dispatch.h"
#include "minidl/autograd/node.h"
#include "minidl/ops/elementwise.h"

namespace minidl::nn {

namespace {
void check_p(double p) {
  if (!(p >= 0.0 && p <= 1.0)) throw ValueError("Dropout: p must be in [0, 1], got " + detail::format_double(p));
}
}  // namespace

Tensor dropout_with_mask(const Tensor& x, const Tensor& mask, double p) {
  check_p(p);
  minidl::detail::check_same_dtype("dropout", x, mask);
  if (mask.shape() != x.shape()) {
    throw ShapeError("dropout: mask shape " + to_string(mask.shape()) + " differs from input shape " + to_string(x.shape()));
  }
  // PyTorch multiplies by mask / (1 - p); p = 1 drops everything.
  double scale = p < 1.0 ? 1.0 / (1.0 - p) : 0.0;
  Tensor scaled_mask = Tensor::empty(x.shape(), x.dtype());
  minidl::detail::dispatch_float("dropout", x.dtype(), [&]<class T>() {
    const T* m = mask.data<T>();
    T* s = scaled_mask.data<T>();
    for (int64_t i = 0, n = x.numel(); i < n; ++i) s[i] = m[i] != T(0) ? static_cast<T>(scale) : T(0);
  });
  Tensor y;
  {
    autograd::NoGradGuard no_grad;
    y = mul(x, scaled_mask);
  }
  return autograd::record("dropout", y, {x}, [scaled_mask](const Tensor& dy) {
    return autograd::Grads{mul(dy, scaled_mask)};
  });
}

Tensor dropout(const Tensor& x, double p, Generator& gen) {
  check_p(p);
  minidl::detail::check_defined("dropout", x);
  Tensor mask = Tensor::empty(x.shape(), x.dtype());
  minidl::detail::dispatch_float("dropout", x.dtype(), [&]<class T>() {
    T* m = mask.data<T>();
    for (int64_t i = 0, n = x.numel(); i < n; ++i) m[i] = gen.uniform() >= p ? T(1) : T(0);  // kept with prob 1-p
  });
  return dropout_with_mask(x, mask, p);
}

Dropout::Dropout(double p, uint64_t seed) : Dropout(p, std::make_shared<Generator>(seed)) {}

Dropout::Dropout(double p, std::shared_ptr<Generator> generator) : p_(p), gen_(std::move(generator)) {
  check_p(p);
  if (!gen_) throw ValueError("Dropout: generator is null");
}

Tensor Dropout::forward(const Tensor& x) {
  if (!is_training() || p_ == 0.0) return x;
  return dropout(x, p_, *gen_);
}

std::string Dropout::extra_repr() const { return "p=" + detail::format_double(p_); }

std::shared_ptr<Dropout> dropout(double p, uint64_t seed) { return std::make_shared<Dropout>(p, seed); }

}  // namespace minidl::nn

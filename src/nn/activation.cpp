// Activation modules call the ops; shifted_tanh is fused here (one loop forward, one backward).
#include "minidl/nn/activation.h"

#include <cmath>

#include "minidl/autograd/node.h"
#include "minidl/ops/activation.h"
#include "ops/elementwise_kernels.h"

namespace minidl::nn {

Tensor shifted_tanh(const Tensor& x) {
  Tensor y = minidl::detail::map("shifted_tanh", x, [](auto v) {
    using T = decltype(v);
    return T(0.5) * (T(1) + std::tanh(v));
  });
  return autograd::record("shifted_tanh", y, {x}, [y = y.detach()](const Tensor& dy) {
    // d/dx 0.5 (1 + tanh x) = 0.5 (1 - tanh^2 x) = 2 y (1 - y)
    return autograd::Grads{minidl::detail::zip("shifted_tanh_backward", dy, y, [](auto g, auto s) {
      using T = decltype(s);
      return g * T(2) * s * (T(1) - s);
    })};
  });
}

Tensor ReLU::forward(const Tensor& x) { return minidl::relu(x); }
Tensor LeakyReLU::forward(const Tensor& x) { return minidl::leaky_relu(x, negative_slope_); }
std::optional<Activation> LeakyReLU::as_activation() const {
  if (!(negative_slope_ >= 0)) return std::nullopt;  // its derivative cannot be read from the output's sign
  return Activation::leaky_relu(negative_slope_);
}
std::string LeakyReLU::extra_repr() const { return "negative_slope=" + detail::format_double(negative_slope_); }
Tensor Tanh::forward(const Tensor& x) { return minidl::tanh(x); }
Tensor Sigmoid::forward(const Tensor& x) { return minidl::sigmoid(x); }
Tensor Softmax::forward(const Tensor& x) { return minidl::softmax(x, dim_); }
Tensor LogSoftmax::forward(const Tensor& x) { return minidl::log_softmax(x, dim_); }

std::shared_ptr<ReLU> relu() { return std::make_shared<ReLU>(); }
std::shared_ptr<LeakyReLU> leaky_relu(double negative_slope) { return std::make_shared<LeakyReLU>(negative_slope); }
std::shared_ptr<Tanh> tanh() { return std::make_shared<Tanh>(); }
std::shared_ptr<Sigmoid> sigmoid() { return std::make_shared<Sigmoid>(); }
std::shared_ptr<ShiftedTanh> shifted_tanh() { return std::make_shared<ShiftedTanh>(); }
std::shared_ptr<Softmax> softmax(int64_t dim) { return std::make_shared<Softmax>(dim); }
std::shared_ptr<LogSoftmax> log_softmax(int64_t dim) { return std::make_shared<LogSoftmax>(dim); }

GELU::GELU(const std::string& approximate) {
  if (approximate != "none" && approximate != "tanh") {
    throw ValueError("GELU: approximate must be 'none' or 'tanh', got '" + approximate + "'");
  }
  approximate_ = approximate == "tanh" ? GeluApproximate::tanh : GeluApproximate::none;
}
std::shared_ptr<GELU> gelu(GeluApproximate approximate) { return std::make_shared<GELU>(approximate); }
std::shared_ptr<SiLU> silu() { return std::make_shared<SiLU>(); }

}  // namespace minidl::nn

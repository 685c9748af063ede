// Activation modules call the ops in ops/activation.cpp.
#include "minidl/nn/activation.h"

#include "minidl/ops/activation.h"

namespace minidl::nn {

Tensor ReLU::forward(const Tensor& x) { return minidl::relu(x); }
Tensor LeakyReLU::forward(const Tensor& x) { return minidl::leaky_relu(x, negative_slope_); }
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

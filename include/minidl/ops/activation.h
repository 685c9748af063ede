// Activation functions and (log-)softmax, each with its backward, and the fused linear_relu,
// linear_leaky_relu, linear_tanh and linear_sigmoid.
#pragma once

#include <string>

#include "minidl/tensor.h"

namespace minidl {

Tensor relu(const Tensor& x);  // NOTE: relu'(0) = 0, as PyTorch
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);  // NOTE: slope at 0 is negative_slope (PyTorch)
Tensor sigmoid(const Tensor& x);  // stable for large |x|
Tensor tanh(const Tensor& x);
// 0.5 (1 + tanh x): tanh shifted and scaled into (0, 1); equal to sigmoid(2x). Report 003 calls
// it "rectified tanh", though nothing is rectified. Its derivative is 2 y (1 - y).
Tensor shifted_tanh(const Tensor& x);
Tensor softmax(const Tensor& x, int64_t dim);      // stable: max subtracted first
Tensor log_softmax(const Tensor& x, int64_t dim);  // stable

// f(linear(x, w, b)) as one node (nn::Sequential's form of a Linear followed by an activation
// module): f runs in place on the product and backward reads f' from the output, so no tensor or
// node is made for it. The same numbers as the two ops. x, w, b as linear (ops/matmul.h).
Tensor linear_relu(const Tensor& x, const Tensor& w, const Tensor& b);
Tensor linear_leaky_relu(const Tensor& x, const Tensor& w, const Tensor& b, double negative_slope);  // slope >= 0
Tensor linear_tanh(const Tensor& x, const Tensor& w, const Tensor& b);
Tensor linear_sigmoid(const Tensor& x, const Tensor& w, const Tensor& b);

// GELU, x Phi(x) with Phi the standard normal CDF: exact through erf (approximate = none, PyTorch's
// default) or 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (approximate = tanh), as PyTorch.
enum class GeluApproximate { none, tanh };
std::string to_string(GeluApproximate approximate);  // "none", "tanh"
Tensor gelu(const Tensor& x, GeluApproximate approximate = GeluApproximate::none);
// SiLU (swish): x sigmoid(x).
Tensor silu(const Tensor& x);

}  // namespace minidl

// Activation functions and (log-)softmax, each with its backward.
#pragma once

#include <string>

#include "minidl/tensor.h"

namespace minidl {

// An elementwise activation whose derivative can be read from its output, so an op can apply it
// in place to its own result and keep only that result for backward: linear(x, w, b, activation)
// fuses one into the Linear's node, and nn::Sequential does so for a Linear followed by a ReLU,
// LeakyReLU (negative_slope >= 0), Tanh or Sigmoid module. Same numbers as the separate ops.
struct Activation {
  enum class Kind { identity, relu, leaky_relu, tanh, sigmoid };
  Kind kind = Kind::identity;
  double negative_slope = 0.01;  // leaky_relu only

  static Activation relu() { return {Kind::relu}; }
  static Activation leaky_relu(double negative_slope) { return {Kind::leaky_relu, negative_slope}; }
  static Activation tanh() { return {Kind::tanh}; }
  static Activation sigmoid() { return {Kind::sigmoid}; }
  const char* name() const;  // "relu"
};

Tensor relu(const Tensor& x);  // NOTE: relu'(0) = 0, as PyTorch
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);  // NOTE: slope at 0 is negative_slope (PyTorch)
Tensor sigmoid(const Tensor& x);  // stable for large |x|
Tensor tanh(const Tensor& x);
Tensor softmax(const Tensor& x, int64_t dim);      // stable: max subtracted first
Tensor log_softmax(const Tensor& x, int64_t dim);  // stable
Tensor activate(const Tensor& x, const Activation& activation);  // the op of that kind; x itself for identity

// GELU, x Phi(x) with Phi the standard normal CDF: exact through erf (approximate = none, PyTorch's
// default) or 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (approximate = tanh), as PyTorch.
enum class GeluApproximate { none, tanh };
std::string to_string(GeluApproximate approximate);  // "none", "tanh"
Tensor gelu(const Tensor& x, GeluApproximate approximate = GeluApproximate::none);
// SiLU (swish): x sigmoid(x).
Tensor silu(const Tensor& x);

}  // namespace minidl

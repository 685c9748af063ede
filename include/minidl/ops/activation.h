// Activation functions and (log-)softmax, each with its backward.
#pragma once

#include "minidl/tensor.h"

namespace minidl {

Tensor relu(const Tensor& x);  // NOTE: relu'(0) = 0, as PyTorch
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);  // NOTE: slope at 0 is negative_slope (PyTorch)
Tensor sigmoid(const Tensor& x);  // stable for large |x|
Tensor tanh(const Tensor& x);
Tensor softmax(const Tensor& x, int64_t dim);      // stable: max subtracted first
Tensor log_softmax(const Tensor& x, int64_t dim);  // stable

}  // namespace minidl

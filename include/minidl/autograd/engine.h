// backward(): runs the recorded graph in reverse topological order, accumulating the gradients
// that reach each node (a tensor used twice gets the sum of both), and frees the graph unless
// retain_graph is set.
#pragma once

#include "minidl/tensor.h"

namespace minidl::autograd {

// `grad` defaults to 1 for a one-element root; otherwise it must have root's shape.
void backward(const Tensor& root, const Tensor& grad = Tensor(), bool retain_graph = false);

}  // namespace minidl::autograd

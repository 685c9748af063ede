// Internal: f(x w^T + b) as one node, for the fused ops linear_relu, linear_leaky_relu,
// linear_tanh and linear_sigmoid, each defined beside its activation in ops/activation.cpp.
#pragma once

#include "dispatch.h"
#include "minidl/autograd/node.h"
#include "minidl/ops/view.h"

namespace minidl::detail {

// From ops/matmul.cpp: linear's checks (op names the caller in messages), its product x w^T + b
// for a checked 2-D x (not recorded), the gradients of that product for its gradient dz, and the
// rows of x folded into a matrix.
void check_linear(const char* op, const Tensor& x, const Tensor& w, const Tensor& b);
Tensor linear_product(const Tensor& x, const Tensor& w, const Tensor& b);
autograd::Grads linear_grads(const Tensor& dz, const Tensor& x, const Tensor& w, const Tensor& b);
int64_t leading_rows(const Tensor& x);

// F has forward(v) = f(v) and backward(g, y) = g f'(x) for y = f(x): f runs in place on the
// product while it is still in cache, and backward reads f' from the output, so the activation
// costs no tensor, node or closure of its own. The numbers are those of f(linear(x, w, b)).
template <class F>
Tensor linear_then(const char* op, const Tensor& x, const Tensor& w, const Tensor& b, F f) {
  check_linear(op, x, w, b);
  if (x.dim() != 2) {  // (..., in_features): fold leading dims into the batch
    Shape out = x.shape();
    out[out.dim() - 1] = w.shape()[0];
    return reshape(linear_then(op, reshape(x, {leading_rows(x), w.shape()[1]}), w, b, f), out);
  }
  Tensor y = linear_product(x, w, b);
  dispatch_float(op, y.dtype(), [&]<class T>() {
    T* py = y.data<T>();
    for (int64_t i = 0, n = y.numel(); i < n; ++i) py[i] = f.forward(py[i]);
  });
  if (!autograd::needs_grad({&x, &w, &b})) return y;  // inference: no closure to build and drop
  return autograd::record(op, y, {x, w, b}, [x, w, b, y = y.detach(), f](const Tensor& dy) {
    // When the engine alone holds dy, dz overwrites it instead of taking a new tensor.
    Tensor dz = dy.is_sole_owner() ? dy : Tensor::empty(dy.shape(), dy.dtype());
    dispatch_float("linear_backward", dy.dtype(), [&]<class T>() {
      const T *g = dy.data<T>(), *py = y.data<T>();
      T* pz = dz.data<T>();
      for (int64_t i = 0, n = dy.numel(); i < n; ++i) pz[i] = f.backward(g[i], py[i]);
    });
    return linear_grads(dz, x, w, b);
  });
}

}  // namespace minidl::detail

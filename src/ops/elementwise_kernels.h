// Internal: the two loop shapes behind every unary op and every fused backward, so each op
// is only its formula. f is a generic lambda, instantiated for float and double.
#pragma once

#include "dispatch.h"
#include "minidl/tensor.h"

namespace minidl::detail {

// y[i] = f(x[i]).
template <class F>
Tensor map(const char* op, const Tensor& x, F f) {
  check_defined(op, x);
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  dispatch_float(op, x.dtype(), [&]<class T>() {
    const T* px = x.data<T>();
    T* py = y.data<T>();
    for (int64_t i = 0, n = x.numel(); i < n; ++i) py[i] = f(px[i]);
  });
  return y;
}

// y[i] = f(a[i], b[i]) for a and b of one shape and dtype (a fused backward: f(dy, x)).
template <class F>
Tensor zip(const char* op, const Tensor& a, const Tensor& b, F f) {
  check_same_dtype(op, a, b);
  if (a.shape() != b.shape()) {
    throw ShapeError(std::string(op) + ": shapes differ: " + to_string(a.shape()) + " and " + to_string(b.shape()));
  }
  Tensor y = Tensor::empty(a.shape(), a.dtype());
  dispatch_float(op, a.dtype(), [&]<class T>() {
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    T* py = y.data<T>();
    for (int64_t i = 0, n = a.numel(); i < n; ++i) py[i] = f(pa[i], pb[i]);
  });
  return y;
}

}  // namespace minidl::detail

// Internal: the two loop shapes behind every unary op and every fused backward, so each op
// is only its formula. f is a generic lambda, instantiated for float and double, and pure: from
// kParallelElementwise elements the loop is split across the team (a LeNet's ReLU over a
// 128 x 6 x 24 x 24 batch ran on one thread of two), with the same bits however it is split.
#pragma once

#include "dispatch.h"
#include "minidl/tensor.h"
#include "thread_pool.h"

namespace minidl::detail {

// 2^16 elements: 256 KiB of float32 in and out, ~10 us of work against a 1-2 us hand-off.
constexpr int64_t kParallelElementwise = int64_t{1} << 16;

// y[i] = f(x[i]).
template <class F>
Tensor map(const char* op, const Tensor& x, F f) {
  check_defined(op, x);
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  dispatch_float(op, x.dtype(), [&]<class T>() {
    const T* px = x.data<T>();
    T* py = y.data<T>();
    parallel_blocks(x.numel(), kParallelElementwise, 16, [&](int64_t begin, int64_t end) {
      // Local copies: GCC cannot tell that the stores miss a value held in the closure (a formula's
      // slope, a scalar), would reload it every element and not vectorise.
      const F g = f;
      const T* __restrict in = px;
      T* __restrict out = py;
      for (int64_t i = begin; i < end; ++i) out[i] = g(in[i]);
    });
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
    parallel_blocks(a.numel(), kParallelElementwise, 16, [&](int64_t begin, int64_t end) {
      const F g = f;  // local copies, as in map
      const T* __restrict in_a = pa;
      const T* __restrict in_b = pb;
      T* __restrict out = py;
      for (int64_t i = begin; i < end; ++i) out[i] = g(in_a[i], in_b[i]);
    });
  });
  return y;
}

}  // namespace minidl::detail

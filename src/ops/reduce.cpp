// Reductions over [outer, size, inner] views: adjacent reduced dims are merged into one, so
// sum over dims {0, 1} of (A, B, C) is a single pass with size A*B.
#include "minidl/ops/reduce.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "dispatch.h"
#include "minidl/autograd/node.h"
#include "minidl/ops/elementwise.h"
#include "minidl/ops/view.h"
#include "sum_kernel.h"
#include "thread_pool.h"

namespace minidl {

using autograd::Grads;
using detail::dispatch_float;
using detail::DimSplit;

namespace {

// out[o, i] = sum_r x[o, r, i].
template <class T>
void sum_split(const T* x, const DimSplit& s, T* out) {
  for (int64_t o = 0; o < s.outer; ++o) {
    if (s.inner == 1) {
      out[o] = detail::sum_contiguous(x + o * s.size, s.size);
      continue;
    }
    T* po = out + o * s.inner;
    std::fill_n(po, s.inner, T(0));
    for (int64_t r = 0; r < s.size; ++r) {
      const T* px = x + (o * s.size + r) * s.inner;
      for (int64_t i = 0; i < s.inner; ++i) po[i] += px[i];
    }
  }
}

// Normalised, sorted, duplicate-free dims; empty means all dims (as PyTorch's sum(x, dim=[])).
std::vector<int64_t> reduce_dims(const char* op, const Tensor& x, const std::vector<int64_t>& dims) {
  std::vector<int64_t> out;
  if (dims.empty()) {
    for (int64_t d = 0; d < x.dim(); ++d) out.push_back(d);
    return out;
  }
  for (int64_t d : dims) out.push_back(wrap_dim(op, d, x.dim()));
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end()) {
    throw ValueError(std::string(op) + ": dim " + std::to_string(*std::adjacent_find(out.begin(), out.end())) +
                     " appears more than once in the list of dims");
  }
  if (x.dim() == 0) out.clear();  // a scalar has nothing to reduce (dim 0 or -1 is allowed)
  return out;
}

Shape reduced_shape(const Shape& shape, const std::vector<int64_t>& dims, bool keepdim) {
  Shape out;
  for (int64_t d = 0; d < shape.dim(); ++d) {
    bool reduced = std::binary_search(dims.begin(), dims.end(), d);
    if (!reduced) out.push_back(shape[d]);
    else if (keepdim) out.push_back(1);
  }
  return out;
}

// The forward sum over sorted `dims` (keepdim shape), not recorded.
Tensor sum_forward(const Tensor& x, const std::vector<int64_t>& dims) {
  Tensor cur = x;
  // From the last run of adjacent dims to the first, so earlier dims keep their positions.
  for (size_t end = dims.size(); end > 0;) {
    size_t begin = end - 1;
    while (begin > 0 && dims[begin - 1] == dims[begin] - 1) --begin;
    int64_t first = dims[begin], last = dims[end - 1];
    DimSplit s;
    for (int64_t d = 0; d < first; ++d) s.outer *= cur.shape()[d];
    s.size = 1;
    for (int64_t d = first; d <= last; ++d) s.size *= cur.shape()[d];
    for (int64_t d = last + 1; d < cur.dim(); ++d) s.inner *= cur.shape()[d];
    Shape out_shape = cur.shape();
    for (int64_t d = first; d <= last; ++d) out_shape[d] = 1;
    Tensor y = Tensor::empty(out_shape, x.dtype());
    dispatch_float("sum", x.dtype(), [&]<class T>() { sum_split(cur.data<T>(), s, y.data<T>()); });
    cur = y;
    end = begin;
  }
  if (cur.is_same(x)) cur = x.detach().clone();  // nothing reduced: still a new tensor
  return cur;
}

// An element is NaN or +-inf exactly when its exponent field is all ones, so the scan keeps the
// largest exponent field as an unsigned integer: integer maxima may be reordered and the loop
// vectorises, where a floating-point test such as a sum of x * 0 must run serially without
// -ffast-math (14% of a batch-1 disk step for 1,427 gradients).
template <class T, class Bits>
std::optional<double> first_non_finite(const T* x, int64_t n) {
  constexpr Bits kExponent = std::bit_cast<Bits>(std::numeric_limits<T>::infinity());
  // One block per thread from 2^14 elements (the trainer scans every gradient of every step);
  // any block that saw an all-ones exponent sends the scan below for the first such value.
  std::atomic<bool> any{false};
  detail::parallel_blocks(n, detail::kParallelUpdateElements, 16, [&](int64_t begin, int64_t end) {
    Bits largest = 0;
    for (int64_t i = begin; i < end; ++i) largest = std::max<Bits>(largest, std::bit_cast<Bits>(x[i]) & kExponent);
    if (largest == kExponent) any.store(true, std::memory_order_relaxed);
  });
  if (!any.load(std::memory_order_relaxed)) return std::nullopt;
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) return static_cast<double>(x[i]);
  }
  return std::nullopt;
}

}  // namespace

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  detail::check_defined("sum", x);
  std::vector<int64_t> d = reduce_dims("sum", x, dims);
  Tensor y = sum_forward(x.detach(), d).detach().reshape(reduced_shape(x.shape(), d, keepdim));
  return autograd::record("sum", y, {x}, [xs = x.shape(), d](const Tensor& dy) {
    return Grads{broadcast_to(reshape(dy, reduced_shape(xs, d, true)), xs)};
  });
}

Tensor sum(const Tensor& x) { return sum(x, {}, false); }

Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  detail::check_defined("mean", x);
  std::vector<int64_t> d = reduce_dims("mean", x, dims);
  int64_t count = 1;
  for (int64_t k : d) count *= x.shape()[k];
  return mul(sum(x, dims, keepdim), 1.0 / static_cast<double>(count));
}

Tensor mean(const Tensor& x) { return mean(x, {}, false); }

MaxResult max(const Tensor& x, int64_t dim, bool keepdim) {
  detail::check_defined("max", x);
  int64_t d = wrap_dim("max", dim, x.dim());
  if (x.dim() > 0 && x.shape()[d] == 0) {
    throw ValueError("max: cannot take the max over dim " + std::to_string(dim) + " of size 0, shape " +
                     to_string(x.shape()));
  }
  DimSplit s = x.dim() ? detail::split_at(x.shape(), d) : DimSplit{};
  Shape out_shape = x.dim() ? reduced_shape(x.shape(), {d}, keepdim) : Shape{};
  Tensor values = Tensor::empty(out_shape, x.dtype());
  Tensor indices = Tensor::empty(out_shape, kInt64);
  dispatch_float("max", x.dtype(), [&]<class T>() {
    const T* px = x.data<T>();
    T* pv = values.data<T>();
    int64_t* pi = indices.data<int64_t>();
    for (int64_t o = 0; o < s.outer; ++o) {
      for (int64_t i = 0; i < s.inner; ++i) {
        const T* p = px + o * s.size * s.inner + i;
        T best = p[0];
        int64_t arg = 0;
        for (int64_t r = 1; r < s.size; ++r) {
          T v = p[r * s.inner];
          if (v > best || (v != v && best == best)) {  // first maximum; NaN wins, as PyTorch
            best = v;
            arg = r;
          }
        }
        pv[o * s.inner + i] = best;
        pi[o * s.inner + i] = arg;
      }
    }
  });
  values = autograd::record("max", values, {x}, [xs = x.shape(), s, indices](const Tensor& dy) {
    Tensor dx = zeros(xs, dy.dtype());
    dispatch_float("max_backward", dy.dtype(), [&]<class T>() {
      const T* g = dy.data<T>();
      const int64_t* pi = indices.data<int64_t>();
      T* p = dx.data<T>();
      for (int64_t o = 0; o < s.outer; ++o) {
        for (int64_t i = 0; i < s.inner; ++i) {
          p[(o * s.size + pi[o * s.inner + i]) * s.inner + i] += g[o * s.inner + i];
        }
      }
    });
    return Grads{dx};
  });
  return {values, indices};
}

Tensor max(const Tensor& x) {
  detail::check_defined("max", x);
  if (x.numel() == 0) throw ValueError("max: the tensor is empty, shape " + to_string(x.shape()));
  Tensor flat = x.detach().reshape({x.numel()});
  Tensor y = max(flat, 0, false).values.detach();
  return autograd::record("max", y, {x}, [x, value = y.detach()](const Tensor& dy) {
    // NOTE: ties share the gradient evenly, as PyTorch's max() over all elements.
    Tensor mask = eq(x.detach(), value);
    return Grads{mul(mask, div(dy, sum(mask)))};
  });
}

std::optional<double> first_non_finite(const Tensor& x) {
  detail::check_defined("first_non_finite", x);
  if (x.dtype() == kFloat32) return first_non_finite<float, uint32_t>(x.data<float>(), x.numel());
  if (x.dtype() == kFloat64) return first_non_finite<double, uint64_t>(x.data<double>(), x.numel());
  return std::nullopt;
}

Tensor argmax(const Tensor& x, int64_t dim, bool keepdim) {
  Tensor indices;
  {
    autograd::NoGradGuard no_grad;
    indices = max(x, dim, keepdim).indices;
  }
  return indices;
}

}  // namespace minidl

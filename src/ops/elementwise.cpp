// Elementwise ops with NumPy broadcasting. Kernels are plain loops over contiguous memory; the
// broadcast path walks the output row by row with the input strides 0 along broadcast dims, so
// the innermost loop is still contiguous (or a scalar) and vectorises.
#include "minidl/ops/elementwise.h"

#include <cmath>

#include "dispatch.h"
#include "elementwise_kernels.h"
#include "fast_math.h"
#include "minidl/autograd/node.h"
#include "minidl/ops/reduce.h"
#include "minidl/ops/view.h"

namespace minidl {

using autograd::Grads;
using detail::dispatch_float;
using detail::map;
using detail::zip;

namespace {

// Strides of `in` aligned to the dims of `out`, 0 where `in` is broadcast.
void broadcast_strides(const Shape& in, const Shape& out, int64_t* strides) {
  int64_t nd = out.dim(), lead = nd - in.dim(), stride = 1;
  for (int64_t d = nd - 1; d >= 0; --d) {
    int64_t id = d - lead;
    if (id < 0 || in[id] == 1) {
      strides[d] = 0;
    } else {
      strides[d] = stride;
      stride *= in[id];
    }
  }
}

// out[i] = f(a[ia], b[ib]) over the broadcast shape.
template <class T, class R, class F>
void broadcast_binary(const T* a, const Shape& as, const T* b, const Shape& bs, R* out, const Shape& os, F f) {
  int64_t n = os.numel();
  if (as == os && bs == os) {
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
    return;
  }
  if (bs.numel() == 1 && as == os) {
    T s = b[0];
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], s);
    return;
  }
  if (as.numel() == 1 && bs == os) {
    T s = a[0];
    for (int64_t i = 0; i < n; ++i) out[i] = f(s, b[i]);
    return;
  }
  if (n == 0) return;
  int64_t nd = os.dim();
  int64_t sa[Shape::kMaxDims], sb[Shape::kMaxDims], idx[Shape::kMaxDims] = {};
  broadcast_strides(as, os, sa);
  broadcast_strides(bs, os, sb);
  int64_t inner = os[nd - 1], outer = n / inner, ao = 0, bo = 0;
  bool a_row = sa[nd - 1] != 0, b_row = sb[nd - 1] != 0;
  for (int64_t o = 0; o < outer; ++o) {
    R* po = out + o * inner;
    const T* pa = a + ao;
    const T* pb = b + bo;
    if (a_row && b_row) {
      for (int64_t i = 0; i < inner; ++i) po[i] = f(pa[i], pb[i]);
    } else if (a_row) {
      T s = pb[0];
      for (int64_t i = 0; i < inner; ++i) po[i] = f(pa[i], s);
    } else if (b_row) {
      T s = pa[0];
      for (int64_t i = 0; i < inner; ++i) po[i] = f(s, pb[i]);
    } else {
      R v = f(pa[0], pb[0]);
      for (int64_t i = 0; i < inner; ++i) po[i] = v;
    }
    for (int64_t d = nd - 2; d >= 0; --d) {
      ao += sa[d];
      bo += sb[d];
      if (++idx[d] < os[d]) break;
      ao -= sa[d] * os[d];
      bo -= sb[d] * os[d];
      idx[d] = 0;
    }
  }
}

// The forward of a broadcasting binary op, without recording.
template <class F>
Tensor binary_forward(const char* op, const Tensor& a, const Tensor& b, F f) {
  detail::check_same_dtype(op, a, b);
  Shape shape = broadcast_shapes(op, a.shape(), b.shape());
  Tensor y = Tensor::empty(shape, a.dtype());
  dispatch_float(op, a.dtype(), [&]<class T>() {
    broadcast_binary(a.data<T>(), a.shape(), b.data<T>(), b.shape(), y.data<T>(), shape, f);
  });
  return y;
}

// Comparison: 1 or 0 in the inputs' dtype, never recorded.
template <class F>
Tensor compare(const char* op, const Tensor& a, const Tensor& b, F f) {
  return binary_forward(op, a, b, [f](auto x, auto y) { return static_cast<decltype(x)>(f(x, y) ? 1 : 0); });
}

}  // namespace

// ---- binary arithmetic ---------------------------------------------------------------------------

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward("add", a, b, [](auto x, auto z) { return x + z; });
  return autograd::record("add", y, {a, b}, [as = a.shape(), bs = b.shape()](const Tensor& dy) {
    return Grads{sum_to(dy, as), sum_to(dy, bs)};
  });
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward("sub", a, b, [](auto x, auto z) { return x - z; });
  return autograd::record("sub", y, {a, b}, [as = a.shape(), bs = b.shape()](const Tensor& dy) {
    return Grads{sum_to(dy, as), sum_to(neg(dy), bs)};
  });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward("mul", a, b, [](auto x, auto z) { return x * z; });
  return autograd::record("mul", y, {a, b}, [a, b](const Tensor& dy) {
    return Grads{a.requires_grad() ? sum_to(mul(dy, b), a.shape()) : Tensor(),
                 b.requires_grad() ? sum_to(mul(dy, a), b.shape()) : Tensor()};
  });
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward("div", a, b, [](auto x, auto z) { return x / z; });
  return autograd::record("div", y, {a, b}, [a, b](const Tensor& dy) {
    Tensor da, db;
    if (a.requires_grad()) da = sum_to(div(dy, b), a.shape());
    if (b.requires_grad()) db = sum_to(neg(div(mul(dy, a), mul(b, b))), b.shape());  // -dy a / b^2
    return Grads{da, db};
  });
}

// ---- tensor-scalar -----------------------------------------------------------------------------

Tensor add(const Tensor& x, double s) {
  Tensor y = map("add", x, [s](auto v) { return v + static_cast<decltype(v)>(s); });
  return autograd::record("add", y, {x}, [](const Tensor& dy) { return Grads{dy}; });
}

Tensor mul(const Tensor& x, double s) {
  Tensor y = map("mul", x, [s](auto v) { return v * static_cast<decltype(v)>(s); });
  return autograd::record("mul", y, {x}, [s](const Tensor& dy) { return Grads{mul(dy, s)}; });
}

Tensor rsub(const Tensor& x, double s) {
  Tensor y = map("rsub", x, [s](auto v) { return static_cast<decltype(v)>(s) - v; });
  return autograd::record("rsub", y, {x}, [](const Tensor& dy) { return Grads{neg(dy)}; });
}

Tensor rdiv(const Tensor& x, double s) {
  Tensor y = map("rdiv", x, [s](auto v) { return static_cast<decltype(v)>(s) / v; });
  return autograd::record("rdiv", y, {x}, [x, s](const Tensor& dy) {
    return Grads{zip("rdiv_backward", dy, x, [s](auto g, auto v) { return -g * static_cast<decltype(v)>(s) / (v * v); })};
  });
}

// ---- unary math --------------------------------------------------------------------------------

Tensor neg(const Tensor& x) {
  Tensor y = map("neg", x, [](auto v) { return -v; });
  return autograd::record("neg", y, {x}, [](const Tensor& dy) { return Grads{neg(dy)}; });
}

Tensor exp(const Tensor& x) {
  Tensor y = map("exp", x, [](auto v) { return detail::exp(v); });
  return autograd::record("exp", y, {x}, [y = y.detach()](const Tensor& dy) { return Grads{mul(dy, y)}; });
}

Tensor log(const Tensor& x) {
  Tensor y = map("log", x, [](auto v) { return std::log(v); });
  return autograd::record("log", y, {x}, [x](const Tensor& dy) { return Grads{div(dy, x)}; });
}

Tensor pow(const Tensor& x, double exponent) {
  Tensor y = map("pow", x, [exponent](auto v) {
    using T = decltype(v);
    return exponent == 2.0 ? v * v : std::pow(v, static_cast<T>(exponent));
  });
  return autograd::record("pow", y, {x}, [x, exponent](const Tensor& dy) {
    return Grads{zip("pow_backward", dy, x, [exponent](auto g, auto v) {
      using T = decltype(v);
      if (exponent == 0.0) return T(0);  // d/dx x^0 = 0, also at x = 0 (PyTorch)
      return g * static_cast<T>(exponent) * std::pow(v, static_cast<T>(exponent - 1.0));
    })};
  });
}

Tensor sqrt(const Tensor& x) {
  Tensor y = map("sqrt", x, [](auto v) { return std::sqrt(v); });
  return autograd::record("sqrt", y, {x}, [y = y.detach()](const Tensor& dy) {
    return Grads{zip("sqrt_backward", dy, y, [](auto g, auto r) { return g / (r + r); })};
  });
}

Tensor abs(const Tensor& x) {
  Tensor y = map("abs", x, [](auto v) { return std::abs(v); });
  return autograd::record("abs", y, {x}, [x](const Tensor& dy) {
    return Grads{zip("abs_backward", dy, x, [](auto g, auto v) {
      using T = decltype(v);
      return v > T(0) ? g : (v < T(0) ? -g : T(0));  // NOTE: sign(0) = 0, as PyTorch
    })};
  });
}

Tensor clamp(const Tensor& x, double min, double max) {
  if (min > max) {
    throw ValueError("clamp: min must be <= max, got min " + std::to_string(min) + ", max " + std::to_string(max));
  }
  Tensor y = map("clamp", x, [min, max](auto v) {
    using T = decltype(v);
    return v < T(min) ? T(min) : (v > T(max) ? T(max) : v);
  });
  return autograd::record("clamp", y, {x}, [x, min, max](const Tensor& dy) {
    return Grads{zip("clamp_backward", dy, x, [min, max](auto g, auto v) {
      using T = decltype(v);
      return (v >= T(min) && v <= T(max)) ? g : T(0);  // NOTE: boundaries pass the gradient (PyTorch)
    })};
  });
}

// ---- where, comparisons, broadcasting ---------------------------------------------------------------

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  detail::check_defined("where", cond, "cond");
  detail::check_same_dtype("where", a, b);
  Shape shape = broadcast_shapes("where", cond.shape(), broadcast_shapes("where", a.shape(), b.shape()));
  Tensor mask = broadcast_to(cond.dtype() == a.dtype() ? cond.detach() : cond.detach().to(a.dtype()), shape);
  Tensor ab = broadcast_to(a.detach(), shape), bb = broadcast_to(b.detach(), shape);
  Tensor y = Tensor::empty(shape, a.dtype());
  dispatch_float("where", a.dtype(), [&]<class T>() {
    const T *m = mask.data<T>(), *pa = ab.data<T>(), *pb = bb.data<T>();
    T* py = y.data<T>();
    for (int64_t i = 0, n = y.numel(); i < n; ++i) py[i] = m[i] != T(0) ? pa[i] : pb[i];
  });
  return autograd::record("where", y, {a, b}, [mask, as = a.shape(), bs = b.shape()](const Tensor& dy) {
    Tensor da = zip("where_backward", dy, mask, [](auto g, auto m) { return m != 0 ? g : decltype(g)(0); });
    Tensor db = zip("where_backward", dy, mask, [](auto g, auto m) { return m != 0 ? decltype(g)(0) : g; });
    return Grads{sum_to(da, as), sum_to(db, bs)};
  });
}

Tensor gt(const Tensor& a, const Tensor& b) { return compare("gt", a, b, [](auto x, auto y) { return x > y; }); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare("lt", a, b, [](auto x, auto y) { return x < y; }); }
Tensor eq(const Tensor& a, const Tensor& b) { return compare("eq", a, b, [](auto x, auto y) { return x == y; }); }
Tensor gt(const Tensor& x, double s) {
  return map("gt", x, [s](auto v) { return static_cast<decltype(v)>(v > s ? 1 : 0); });
}
Tensor lt(const Tensor& x, double s) {
  return map("lt", x, [s](auto v) { return static_cast<decltype(v)>(v < s ? 1 : 0); });
}

Tensor broadcast_to(const Tensor& x, const Shape& shape) {
  detail::check_defined("broadcast_to", x);
  if (x.shape() == shape) return x;
  if (broadcast_shapes("broadcast_to", x.shape(), shape) != shape) {
    throw ShapeError("broadcast_to: cannot broadcast " + to_string(x.shape()) + " to " + to_string(shape));
  }
  Tensor y = Tensor::empty(shape, x.dtype());
  auto copy = [&]<class T>() {
    const T* px = x.data<T>();
    broadcast_binary(px, x.shape(), px, x.shape(), y.data<T>(), shape, [](T v, T) { return v; });
  };
  if (x.dtype() == kInt64) {
    copy.template operator()<int64_t>();
  } else {
    dispatch_float("broadcast_to", x.dtype(), copy);
  }
  return autograd::record("broadcast_to", y, {x}, [xs = x.shape()](const Tensor& dy) { return Grads{sum_to(dy, xs)}; });
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  int64_t lead = x.dim() - shape.dim();
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (d < lead || (shape[d - lead] == 1 && x.shape()[d] != 1)) dims.push_back(d);
  }
  if (lead < 0 || broadcast_shapes("sum_to", x.shape(), shape) != x.shape()) {
    throw ShapeError("sum_to: cannot sum " + to_string(x.shape()) + " down to " + to_string(shape));
  }
  return reshape(dims.empty() ? x : sum(x, dims, true), shape);
}

// ---- in-place (not recorded) --------------------------------------------------------------------

Tensor& Tensor::add_(const Tensor& other, double alpha) {
  if (other.shape() != shape() || other.dtype() != dtype()) {
    throw ShapeError("add_: other " + minidl::to_string(other.dtype()) + " " + minidl::to_string(other.shape()) +
                     " does not match " + minidl::to_string(dtype()) + " " + minidl::to_string(shape()));
  }
  dispatch_float("add_", dtype(), [&]<class T>() {
    T* p = data<T>();
    const T* q = other.data<T>();
    T s = static_cast<T>(alpha);
    if (alpha == 1.0) {
      for (int64_t i = 0, n = numel(); i < n; ++i) p[i] += q[i];
    } else {
      for (int64_t i = 0, n = numel(); i < n; ++i) p[i] += s * q[i];
    }
  });
  return *this;
}

Tensor& Tensor::mul_(double s) {
  dispatch_float("mul_", dtype(), [&]<class T>() {
    T* p = data<T>();
    for (int64_t i = 0, n = numel(); i < n; ++i) p[i] *= static_cast<T>(s);
  });
  return *this;
}

// ---- dtype conversion and copies ------------------------------------------------------------------

Tensor Tensor::to(Dtype dtype) const {
  if (dtype == this->dtype()) return *this;
  Tensor y = Tensor::empty(shape(), dtype);
  auto convert = [&]<class From, class To>() {
    const From* p = data<From>();
    To* q = y.data<To>();
    for (int64_t i = 0, n = numel(); i < n; ++i) q[i] = static_cast<To>(p[i]);
  };
  auto to_any = [&]<class From>() {
    if (dtype == kFloat32) convert.template operator()<From, float>();
    else if (dtype == kFloat64) convert.template operator()<From, double>();
    else convert.template operator()<From, int64_t>();
  };
  if (this->dtype() == kFloat32) to_any.template operator()<float>();
  else if (this->dtype() == kFloat64) to_any.template operator()<double>();
  else to_any.template operator()<int64_t>();
  if (!is_floating(dtype)) return y;
  return autograd::record("to", y, {*this}, [from = this->dtype()](const Tensor& dy) { return Grads{dy.to(from)}; });
}

Tensor Tensor::clone() const {
  Tensor y = Tensor::empty(shape(), dtype());
  y.copy_(*this);
  if (!is_floating(dtype())) return y;
  return autograd::record("clone", y, {*this}, [](const Tensor& dy) { return Grads{dy}; });
}

// ---- operators ---------------------------------------------------------------------------------

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator-(const Tensor& x) { return neg(x); }
Tensor operator+(const Tensor& x, double s) { return add(x, s); }
Tensor operator+(double s, const Tensor& x) { return add(x, s); }
Tensor operator-(const Tensor& x, double s) { return add(x, -s); }
Tensor operator-(double s, const Tensor& x) { return rsub(x, s); }
Tensor operator*(const Tensor& x, double s) { return mul(x, s); }
Tensor operator*(double s, const Tensor& x) { return mul(x, s); }
Tensor operator/(const Tensor& x, double s) { return mul(x, 1.0 / s); }
Tensor operator/(double s, const Tensor& x) { return rdiv(x, s); }

}  // namespace minidl

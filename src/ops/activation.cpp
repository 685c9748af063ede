// Activations: one forward loop and one fused backward loop each, and the fused linear_<name> of
// those whose derivative can be read from their output. (log-)softmax work on the
// [outer, size, inner] view of the dim, subtracting the max first so large logits cannot overflow.
#include "minidl/ops/activation.h"

#include <cmath>

#include "dispatch.h"
#include "elementwise_kernels.h"
#include "fast_math.h"
#include "linear_then.h"
#include "minidl/autograd/node.h"

namespace minidl {

using autograd::Grads;
using detail::DimSplit;
using detail::map;
using detail::zip;

// Each activation below is a formula, forward(v) and backward(g, y) = g f'(x) read from the
// output y = f(x), beside its op and its fused form linear_<name> (linear_then.h), which keeps only
// y; the two share the formula, so they give the same bits.

// ---- relu: max(x, 0) ---------------------------------------------------------------------------

namespace {
struct Relu {
  template <class T>
  T forward(T v) const { return v > 0 ? v : T(0); }
  template <class T>
  T backward(T g, T y) const { return y > 0 ? g : T(0); }  // relu'(0) = 0, as PyTorch; y > 0 iff x > 0
};
}  // namespace

Tensor relu(const Tensor& x) {
  Relu f;
  Tensor y = map("relu", x, [f](auto v) { return f.forward(v); });
  return autograd::record("relu", y, {x}, [x, f](const Tensor& dy) {
    return Grads{zip("relu_backward", dy, x, [f](auto g, auto v) { return f.backward(g, v); })};
  });
}

Tensor linear_relu(const Tensor& x, const Tensor& w, const Tensor& b) {
  return detail::linear_then("linear_relu", x, w, b, Relu{});
}

// ---- leaky_relu: x for x > 0, negative_slope x otherwise ---------------------------------------

namespace {
struct LeakyRelu {
  double negative_slope;
  template <class T>
  T forward(T v) const { return v > 0 ? v : v * static_cast<T>(negative_slope); }
  // From x always; from y only for negative_slope >= 0, where y > 0 iff x > 0.
  template <class T>
  T backward(T g, T v) const { return v > 0 ? g : g * static_cast<T>(negative_slope); }
};
}  // namespace

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  LeakyRelu f{negative_slope};
  Tensor y = map("leaky_relu", x, [f](auto v) { return f.forward(v); });
  return autograd::record("leaky_relu", y, {x}, [x, f](const Tensor& dy) {  // from x: any slope
    return Grads{zip("leaky_relu_backward", dy, x, [f](auto g, auto v) { return f.backward(g, v); })};
  });
}

Tensor linear_leaky_relu(const Tensor& x, const Tensor& w, const Tensor& b, double negative_slope) {
  if (!(negative_slope >= 0)) {
    throw ValueError("linear: a fused leaky_relu needs negative_slope >= 0 (its derivative is read from the output's "
                     "sign), got " + std::to_string(negative_slope) + "; call leaky_relu(linear(...)) instead");
  }
  return detail::linear_then("linear_leaky_relu", x, w, b, LeakyRelu{negative_slope});
}

// ---- sigmoid: 1 / (1 + exp(-x)) ----------------------------------------------------------------

namespace {
struct Sigmoid {
  // exp(-x) overflows for x << 0 only harmlessly (to 1/inf = 0), and never produces NaN, so one
  // formula serves both signs.
  template <class T>
  T forward(T v) const { return T(1) / (T(1) + detail::exp(-v)); }
  template <class T>
  T backward(T g, T s) const { return g * s * (T(1) - s); }
};
}  // namespace

Tensor sigmoid(const Tensor& x) {
  Sigmoid f;
  Tensor y = map("sigmoid", x, [f](auto v) { return f.forward(v); });
  return autograd::record("sigmoid", y, {x}, [y = y.detach(), f](const Tensor& dy) {
    return Grads{zip("sigmoid_backward", dy, y, [f](auto g, auto s) { return f.backward(g, s); })};
  });
}

Tensor linear_sigmoid(const Tensor& x, const Tensor& w, const Tensor& b) {
  return detail::linear_then("linear_sigmoid", x, w, b, Sigmoid{});
}

// ---- tanh --------------------------------------------------------------------------------------

namespace {
struct Tanh {
  template <class T>
  T forward(T v) const { return detail::tanh(v); }
  template <class T>
  T backward(T g, T t) const { return g * (T(1) - t * t); }
};
}  // namespace

Tensor tanh(const Tensor& x) {
  Tanh f;
  Tensor y = map("tanh", x, [f](auto v) { return f.forward(v); });
  return autograd::record("tanh", y, {x}, [y = y.detach(), f](const Tensor& dy) {
    return Grads{zip("tanh_backward", dy, y, [f](auto g, auto t) { return f.backward(g, t); })};
  });
}

Tensor linear_tanh(const Tensor& x, const Tensor& w, const Tensor& b) {
  return detail::linear_then("linear_tanh", x, w, b, Tanh{});
}

// ---- shifted_tanh: 0.5 (1 + tanh x), one loop forward and one backward -------------------------

Tensor shifted_tanh(const Tensor& x) {
  Tensor y = map("shifted_tanh", x, [](auto v) {
    using T = decltype(v);
    return T(0.5) * (T(1) + std::tanh(v));
  });
  return autograd::record("shifted_tanh", y, {x}, [y = y.detach()](const Tensor& dy) {
    // d/dx 0.5 (1 + tanh x) = 0.5 (1 - tanh^2 x) = 2 y (1 - y)
    return Grads{zip("shifted_tanh_backward", dy, y, [](auto g, auto s) {
      using T = decltype(s);
      return g * T(2) * s * (T(1) - s);
    })};
  });
}

// ---- softmax and log_softmax -------------------------------------------------------------------

namespace {

// For each softmax slice (o, i): calls f(pointer to element 0, stride) over the `size` elements.
template <class F>
void for_each_slice(const DimSplit& s, F f) {
  for (int64_t o = 0; o < s.outer; ++o) {
    for (int64_t i = 0; i < s.inner; ++i) f(o * s.size * s.inner + i, s.inner);
  }
}

template <class T, bool kLog>
void softmax_forward(const T* x, T* y, const DimSplit& s) {
  for_each_slice(s, [&](int64_t base, int64_t stride) {
    T m = x[base];
    for (int64_t r = 1; r < s.size; ++r) m = std::max(m, x[base + r * stride]);
    T total = 0;
    for (int64_t r = 0; r < s.size; ++r) {
      T e = detail::exp(x[base + r * stride] - m);
      if constexpr (!kLog) y[base + r * stride] = e;
      total += e;
    }
    if constexpr (kLog) {
      T log_total = m + std::log(total);
      for (int64_t r = 0; r < s.size; ++r) y[base + r * stride] = x[base + r * stride] - log_total;
    } else {
      T inv = T(1) / total;
      for (int64_t r = 0; r < s.size; ++r) y[base + r * stride] *= inv;
    }
  });
}

template <bool kLog>
Tensor softmax_impl(const char* op, const Tensor& x, int64_t dim) {
  detail::check_defined(op, x);
  int64_t d = wrap_dim(op, dim, x.dim());
  DimSplit s = x.dim() ? detail::split_at(x.shape(), d) : DimSplit{};
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  detail::dispatch_float(op, x.dtype(), [&]<class T>() { softmax_forward<T, kLog>(x.data<T>(), y.data<T>(), s); });
  return autograd::record(op, y, {x}, [y = y.detach(), s](const Tensor& dy) {
    Tensor dx = Tensor::empty(dy.shape(), dy.dtype());
    detail::dispatch_float("softmax_backward", dy.dtype(), [&]<class T>() {
      const T *g = dy.data<T>(), *py = y.data<T>();
      T* p = dx.data<T>();
      for_each_slice(s, [&](int64_t base, int64_t stride) {
        T dot = 0;
        for (int64_t r = 0; r < s.size; ++r) {
          int64_t k = base + r * stride;
          dot += kLog ? g[k] : g[k] * py[k];
        }
        for (int64_t r = 0; r < s.size; ++r) {
          int64_t k = base + r * stride;
          // softmax: dx = y (dy - sum(dy y));  log_softmax: dx = dy - exp(y) sum(dy)
          p[k] = kLog ? g[k] - detail::exp(py[k]) * dot : py[k] * (g[k] - dot);
        }
      });
    });
    return Grads{dx};
  });
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return softmax_impl<false>("softmax", x, dim); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return softmax_impl<true>("log_softmax", x, dim); }

// ---- GELU and SiLU: forward and backward from x (one elementwise loop each) --------------------

std::string to_string(GeluApproximate approximate) { return approximate == GeluApproximate::tanh ? "tanh" : "none"; }

// none: y = 0.5 x (1 + erf(x / sqrt 2)), dy/dx = Phi(x) + x phi(x).
// tanh: y = 0.5 x (1 + t), t = tanh(u), u = sqrt(2/pi) (x + 0.044715 x^3);
//       dy/dx = 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 0.044715 x^2)  (PyTorch's GeluBackward)
namespace {
constexpr double kSqrt1_2 = 0.70710678118654752440, kBeta = 0.79788456080286535588, kKappa = 0.044715;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;  // 1 / sqrt(2 pi)
}  // namespace

Tensor gelu(const Tensor& x, GeluApproximate approximate) {
  const bool tanh_form = approximate == GeluApproximate::tanh;
  Tensor y = map("gelu", x, [tanh_form](auto v) {
    using T = decltype(v);
    if (tanh_form) return T(0.5) * v * (T(1) + std::tanh(T(kBeta) * (v + T(kKappa) * v * v * v)));
    return T(0.5) * v * (T(1) + std::erf(v * T(kSqrt1_2)));
  });
  return autograd::record("gelu", y, {x}, [x, tanh_form](const Tensor& dy) {
    return Grads{zip("gelu_backward", dy, x, [tanh_form](auto g, auto v) {
      using T = decltype(v);
      if (tanh_form) {
        T t = std::tanh(T(kBeta) * (v + T(kKappa) * v * v * v));
        return g * (T(0.5) * (T(1) + t) + T(0.5) * v * (T(1) - t * t) * T(kBeta) * (T(1) + T(3 * kKappa) * v * v));
      }
      return g * (T(0.5) * (T(1) + std::erf(v * T(kSqrt1_2))) + v * T(kInvSqrt2Pi) * std::exp(T(-0.5) * v * v));
    })};
  });
}

// y = x s, s = sigmoid(x); dy/dx = s (1 + x (1 - s)).
Tensor silu(const Tensor& x) {
  Tensor y = map("silu", x, [](auto v) {
    using T = decltype(v);
    return v / (T(1) + std::exp(-v));
  });
  return autograd::record("silu", y, {x}, [x](const Tensor& dy) {
    return Grads{zip("silu_backward", dy, x, [](auto g, auto v) {
      using T = decltype(v);
      T s = T(1) / (T(1) + std::exp(-v));
      return g * s * (T(1) + v * (T(1) - s));
    })};
  });
}

}  // namespace minidl

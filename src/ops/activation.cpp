// Activations: one forward loop and one fused backward loop each. (log-)softmax work on the
// [outer, size, inner] view of the dim, subtracting the max first so large logits cannot overflow.
#include "minidl/ops/activation.h"

#include <cmath>

#include "activation_formulas.h"
#include "dispatch.h"
#include "elementwise_kernels.h"
#include "fast_math.h"
#include "minidl/autograd/node.h"

namespace minidl {

using autograd::Grads;
using detail::DimSplit;
using detail::map;
using detail::zip;

const char* Activation::name() const {
  switch (kind) {
    case Kind::identity: return "identity";
    case Kind::relu: return "relu";
    case Kind::leaky_relu: return "leaky_relu";
    case Kind::tanh: return "tanh";
    case Kind::sigmoid: break;
  }
  return "sigmoid";
}

Tensor relu(const Tensor& x) {
  detail::ReluFormula f;
  Tensor y = map("relu", x, [f](auto v) { return f.forward(v); });
  return autograd::record("relu", y, {x}, [x, f](const Tensor& dy) {
    return Grads{zip("relu_backward", dy, x, [f](auto g, auto v) { return f.backward(g, v); })};
  });
}

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  detail::LeakyReluFormula f{negative_slope};
  Tensor y = map("leaky_relu", x, [f](auto v) { return f.forward(v); });
  return autograd::record("leaky_relu", y, {x}, [x, f](const Tensor& dy) {  // from x: any slope
    return Grads{zip("leaky_relu_backward", dy, x, [f](auto g, auto v) { return f.backward(g, v); })};
  });
}

Tensor sigmoid(const Tensor& x) {
  detail::SigmoidFormula f;
  Tensor y = map("sigmoid", x, [f](auto v) { return f.forward(v); });
  return autograd::record("sigmoid", y, {x}, [y = y.detach(), f](const Tensor& dy) {
    return Grads{zip("sigmoid_backward", dy, y, [f](auto g, auto s) { return f.backward(g, s); })};
  });
}

Tensor tanh(const Tensor& x) {
  detail::TanhFormula f;
  Tensor y = map("tanh", x, [f](auto v) { return f.forward(v); });
  return autograd::record("tanh", y, {x}, [y = y.detach(), f](const Tensor& dy) {
    return Grads{zip("tanh_backward", dy, y, [f](auto g, auto t) { return f.backward(g, t); })};
  });
}

Tensor activate(const Tensor& x, const Activation& activation) {
  switch (activation.kind) {
    case Activation::Kind::identity: return x;
    case Activation::Kind::relu: return relu(x);
    case Activation::Kind::leaky_relu: return leaky_relu(x, activation.negative_slope);
    case Activation::Kind::tanh: return tanh(x);
    case Activation::Kind::sigmoid: break;
  }
  return sigmoid(x);
}

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

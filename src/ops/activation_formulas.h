// Internal: the formulas of the activations whose derivative can be read from their output y,
// shared by the activation ops (ops/activation.cpp) and by linear(x, w, b, activation), which
// applies one in place to its own result and keeps only that result for backward.
#pragma once

#include "fast_math.h"
#include "minidl/ops/activation.h"

namespace minidl::detail {

// forward(x) = f(x); backward(g, y) = g f'(x) with y = f(x).
struct ReluFormula {
  template <class T>
  T forward(T v) const { return v > 0 ? v : T(0); }
  template <class T>
  T backward(T g, T y) const { return y > 0 ? g : T(0); }  // relu'(0) = 0, as PyTorch; y > 0 iff x > 0
};

struct LeakyReluFormula {
  double negative_slope;
  template <class T>
  T forward(T v) const { return v > 0 ? v : v * static_cast<T>(negative_slope); }
  // From x always; from y only for negative_slope >= 0, where y > 0 iff x > 0.
  template <class T>
  T backward(T g, T v) const { return v > 0 ? g : g * static_cast<T>(negative_slope); }
};

struct TanhFormula {
  template <class T>
  T forward(T v) const { return detail::tanh(v); }
  template <class T>
  T backward(T g, T t) const { return g * (T(1) - t * t); }
};

struct SigmoidFormula {
  // 1 / (1 + exp(-x)) overflows exp for x << 0 only harmlessly (to 1/inf = 0), and never
  // produces NaN, so one formula serves both signs.
  template <class T>
  T forward(T v) const { return T(1) / (T(1) + detail::exp(-v)); }
  template <class T>
  T backward(T g, T s) const { return g * s * (T(1) - s); }
};

// Calls f(formula) with the formula of `a` (not for Activation::Kind::identity).
template <class F>
decltype(auto) with_formula(const Activation& a, F&& f) {
  switch (a.kind) {
    case Activation::Kind::relu: return f(ReluFormula{});
    case Activation::Kind::leaky_relu: return f(LeakyReluFormula{a.negative_slope});
    case Activation::Kind::tanh: return f(TanhFormula{});
    case Activation::Kind::sigmoid: break;
    case Activation::Kind::identity: break;
  }
  return f(SigmoidFormula{});
}

}  // namespace minidl::detail

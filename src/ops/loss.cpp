// Losses: per-element (or per-row) loss values in one loop, reduced in double; the backward
// recomputes the local derivative from the captured inputs and scales it by the upstream gradient
// (dy per element for 'none', dy or dy / count for 'sum' and 'mean').
#include "minidl/ops/loss.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "dispatch.h"
#include "minidl/autograd/node.h"
#include "minidl/ops/view.h"

namespace minidl {

using autograd::Grads;

std::string to_string(Reduction reduction) {
  switch (reduction) {
    case Reduction::none: return "none";
    case Reduction::mean: return "mean";
    case Reduction::sum: return "sum";
  }
  return "?";
}

namespace {

// The reduced output from the unreduced losses (count = elements or rows).
Tensor reduce_losses(const Tensor& losses, Reduction reduction) {
  if (reduction == Reduction::none) return losses;
  double total = 0;
  detail::dispatch_float("loss", losses.dtype(), [&]<class T>() {
    const T* p = losses.data<T>();
    for (int64_t i = 0, n = losses.numel(); i < n; ++i) total += static_cast<double>(p[i]);
  });
  if (reduction == Reduction::mean) total /= static_cast<double>(losses.numel());  // 0/0 = nan, as PyTorch
  return scalar_tensor(total, losses.dtype());
}

// The upstream gradient of loss i: dy[i] for 'none', dy for 'sum', dy / count for 'mean'.
template <class T>
struct Upstream {
  Upstream(const Tensor& dy, Reduction reduction, int64_t count) : reduction(reduction) {
    if (reduction == Reduction::none) {
      per_loss = dy.data<T>();
    } else {
      scalar = static_cast<T>(reduction == Reduction::mean ? dy.item() / static_cast<double>(count) : dy.item());
    }
  }
  T operator[](int64_t i) const { return per_loss ? per_loss[i] : scalar; }
  Reduction reduction;
  const T* per_loss = nullptr;
  T scalar = 0;
};

void check_same_shape(const char* op, const Tensor& input, const Tensor& target) {
  detail::check_defined(op, input, "input");
  detail::check_defined(op, target, "target");
  if (input.shape() != target.shape()) {
    throw ShapeError(std::string(op) + ": input " + to_string(input.shape()) + " and target " +
                     to_string(target.shape()) + " have different shapes (minidl does not broadcast losses; " +
                     "reshape the target to the input's shape)");
  }
  detail::check_same_dtype(op, input, target);
}

// A loss of one element: f(x, y) -> loss, dfdx(x, y), dfdy(x, y).
template <class F, class DX, class DY>
Tensor pointwise_loss(const char* op, const Tensor& input, const Tensor& target, Reduction reduction, F f, DX dfdx,
                      DY dfdy) {
  check_same_shape(op, input, target);
  Tensor losses = Tensor::empty(input.shape(), input.dtype());
  detail::dispatch_float(op, input.dtype(), [&]<class T>() {
    const T *x = input.data<T>(), *y = target.data<T>();
    T* l = losses.data<T>();
    for (int64_t i = 0, n = input.numel(); i < n; ++i) l[i] = f(x[i], y[i]);
  });
  Tensor out = reduce_losses(losses, reduction);
  return autograd::record(op, out, {input, target}, [=](const Tensor& dy) {
    Tensor dx, dt;
    detail::dispatch_float(op, input.dtype(), [&]<class T>() {
      Upstream<T> g(dy, reduction, input.numel());
      const T *x = input.data<T>(), *y = target.data<T>();
      int64_t n = input.numel();
      if (input.requires_grad()) {
        dx = Tensor::empty(input.shape(), input.dtype());
        T* p = dx.data<T>();
        for (int64_t i = 0; i < n; ++i) p[i] = g[i] * dfdx(x[i], y[i]);
      }
      if (target.requires_grad()) {
        dt = Tensor::empty(target.shape(), target.dtype());
        T* p = dt.data<T>();
        for (int64_t i = 0; i < n; ++i) p[i] = g[i] * dfdy(x[i], y[i]);
      }
    });
    return Grads{dx, dt};
  });
}

}  // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  return pointwise_loss(
      "mse_loss", input, target, reduction, [](auto x, auto y) { return (x - y) * (x - y); },
      [](auto x, auto y) { return decltype(x)(2) * (x - y); }, [](auto x, auto y) { return decltype(x)(2) * (y - x); });
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  auto sign = [](auto v) { return static_cast<decltype(v)>((v > 0) - (v < 0)); };
  return pointwise_loss(
      "l1_loss", input, target, reduction, [](auto x, auto y) { return std::abs(x - y); },
      [sign](auto x, auto y) { return sign(x - y); }, [sign](auto x, auto y) { return sign(y - x); });
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_same_shape("binary_cross_entropy", input, target);
  detail::dispatch_float("binary_cross_entropy", input.dtype(), [&]<class T>() {
    const T* x = input.data<T>();
    for (int64_t i = 0, n = input.numel(); i < n; ++i) {
      if (!(x[i] >= T(0) && x[i] <= T(1))) {
        throw ValueError("binary_cross_entropy: input must be probabilities in [0, 1], element " + std::to_string(i) +
                         " is " + std::to_string(static_cast<double>(x[i])) +
                         " (for logits use binary_cross_entropy_with_logits)");
      }
    }
  });
  // PyTorch clamps each log at -100, so log(0) gives a large finite loss instead of inf.
  auto log_x = [](auto x) { return std::max(std::log(x), decltype(x)(-100)); };
  auto log_1mx = [](auto x) { return std::max(std::log1p(-x), decltype(x)(-100)); };
  return pointwise_loss(
      "binary_cross_entropy", input, target, reduction,
      [=](auto x, auto y) { return (y - decltype(x)(1)) * log_1mx(x) - y * log_x(x); },
      // PyTorch's backward: (x - y) / max(x (1 - x), 1e-12)
      [](auto x, auto y) {
        using T = decltype(x);
        return (x - y) / std::max((T(1) - x) * x, T(1e-12));
      },
      [=](auto x, auto) { return log_1mx(x) - log_x(x); });
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, Reduction reduction) {
  return pointwise_loss(
      "binary_cross_entropy_with_logits", input, target, reduction,
      [](auto x, auto y) {
        using T = decltype(x);
        return std::max(x, T(0)) - x * y + std::log1p(std::exp(-std::abs(x)));
      },
      [](auto x, auto y) {  // sigmoid(x) - y, with sigmoid computed without overflow
        using T = decltype(x);
        T s = x >= 0 ? T(1) / (T(1) + std::exp(-x)) : std::exp(x) / (T(1) + std::exp(x));
        return s - y;
      },
      [](auto x, auto) { return -x; });
}

// ---- cross entropy and nll ---------------------------------------------------------------------

namespace {

void check_logits(const char* op, const Tensor& input) {
  detail::check_defined(op, input, "input");
  if (input.dim() != 2) {
    throw ShapeError(std::string(op) + ": input must be 2-D (N, C), got shape " + to_string(input.shape()));
  }
}

void check_class_indices(const char* op, const Tensor& input, const Tensor& target) {
  if (target.dim() != 1 || target.shape()[0] != input.shape()[0]) {
    throw ShapeError(std::string(op) + ": class-index target must have shape (" + std::to_string(input.shape()[0]) +
                     ") for input " + to_string(input.shape()) + ", got " + to_string(target.shape()));
  }
  const int64_t* t = target.data<int64_t>();
  int64_t classes = input.shape()[1];
  for (int64_t i = 0, n = target.numel(); i < n; ++i) {
    if (t[i] < 0 || t[i] >= classes) {
      throw IndexError(std::string(op) + ": target " + std::to_string(t[i]) + " at position " + std::to_string(i) +
                       " is out of range for " + std::to_string(classes) + " classes (input " +
                       to_string(input.shape()) + ")");
    }
  }
}

// log-sum-exp of each row, max subtracted first.
template <class T>
std::vector<T> row_logsumexp(const T* x, int64_t rows, int64_t classes) {
  std::vector<T> lse(static_cast<size_t>(rows));
  for (int64_t i = 0; i < rows; ++i) {
    const T* r = x + i * classes;
    T m = *std::max_element(r, r + classes);
    T total = 0;
    for (int64_t c = 0; c < classes; ++c) total += std::exp(r[c] - m);
    lse[i] = m + std::log(total);
  }
  return lse;
}

}  // namespace

// input (N, C, d1, ..., dk) as PyTorch takes sequences ((N, C, T)): the class dim moved last and
// the positions folded into rows, so each position is one row of the 2-D case; target (N, d1, ..., dk).
Tensor cross_entropy_nd(const Tensor& input, const Tensor& target, Reduction reduction, double label_smoothing) {
  detail::check_defined("cross_entropy", target, "target");
  const int64_t classes = input.size(1);
  std::vector<int64_t> to_last{0};
  Shape positions{input.size(0)};
  for (int64_t d = 2; d < input.dim(); ++d) {
    to_last.push_back(d);
    positions.push_back(input.size(d));
  }
  to_last.push_back(1);
  const bool indices = target.dtype() == kInt64;
  if (indices ? target.shape() != positions : target.shape() != input.shape()) {
    throw ShapeError("cross_entropy: for input (N, C, d1, ...) " + to_string(input.shape()) + " the target must be " +
                     (indices ? "int64 class indices " + to_string(positions) : "probabilities " + to_string(input.shape())) +
                     ", got " + to_string(target.dtype()) + " " + to_string(target.shape()));
  }
  Tensor rows = reshape(permute(input, to_last), {-1, classes});
  Tensor t = indices ? reshape(target, {-1}) : reshape(permute(target, to_last), {-1, classes});
  Tensor loss = cross_entropy(rows, t, reduction, label_smoothing);
  return reduction == Reduction::none ? reshape(loss, positions) : loss;
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, Reduction reduction, double label_smoothing) {
  const char* op = "cross_entropy";
  if (input.defined() && input.dim() > 2) return cross_entropy_nd(input, target, reduction, label_smoothing);
  check_logits(op, input);
  detail::check_defined(op, target, "target");
  if (!(label_smoothing >= 0.0 && label_smoothing <= 1.0)) {
    throw ValueError("cross_entropy: label_smoothing must be in [0, 1], got " + std::to_string(label_smoothing));
  }
  bool indices = target.dtype() == kInt64;
  if (indices) {
    check_class_indices(op, input, target);
  } else if (target.shape() != input.shape()) {
    throw ShapeError("cross_entropy: a probability target must have the input's shape " + to_string(input.shape()) +
                     ", got " + to_string(target.shape()) + " (class indices must be int64 of shape (N))");
  } else {
    detail::check_same_dtype(op, input, target);
  }
  int64_t rows = input.shape()[0], classes = input.shape()[1];
  double eps = label_smoothing;
  Tensor losses = Tensor::empty({rows}, input.dtype());
  detail::dispatch_float(op, input.dtype(), [&]<class T>() {
    const T* x = input.data<T>();
    std::vector<T> lse = row_logsumexp(x, rows, classes);
    T* l = losses.data<T>();
    for (int64_t i = 0; i < rows; ++i) {
      const T* r = x + i * classes;
      if (indices) {
        // -(1 - eps) logp[t] - eps / C sum_c logp[c]
        T sum_logp = 0;
        for (int64_t c = 0; c < classes; ++c) sum_logp += r[c] - lse[i];
        int64_t t = target.data<int64_t>()[i];
        l[i] = -static_cast<T>(1 - eps) * (r[t] - lse[i]) - static_cast<T>(eps / classes) * sum_logp;
      } else {
        // -sum_c q[c] logp[c], q = (1 - eps) target + eps / C
        const T* y = target.data<T>() + i * classes;
        T total = 0;
        for (int64_t c = 0; c < classes; ++c) {
          total += (static_cast<T>(1 - eps) * y[c] + static_cast<T>(eps / classes)) * (r[c] - lse[i]);
        }
        l[i] = -total;
      }
    }
  });
  Tensor out = reduce_losses(losses, reduction);
  return autograd::record(op, out, {input, target}, [=](const Tensor& dy) {
    Tensor dx, dt;
    detail::dispatch_float("cross_entropy_backward", input.dtype(), [&]<class T>() {
      Upstream<T> g(dy, reduction, rows);
      const T* x = input.data<T>();
      std::vector<T> lse = row_logsumexp(x, rows, classes);
      T keep = static_cast<T>(1 - eps), spread = static_cast<T>(eps / classes);
      if (input.requires_grad()) {
        // indices: dx = softmax - (1 - eps) onehot - eps / C;  probabilities: dx = softmax sum(q) - q
        dx = Tensor::empty(input.shape(), input.dtype());
        T* p = dx.data<T>();
        for (int64_t i = 0; i < rows; ++i) {
          const T* r = x + i * classes;
          T* d = p + i * classes;
          if (indices) {
            int64_t t = target.data<int64_t>()[i];
            for (int64_t c = 0; c < classes; ++c) d[c] = g[i] * (std::exp(r[c] - lse[i]) - spread - (c == t ? keep : T(0)));
          } else {
            const T* y = target.data<T>() + i * classes;
            T q_total = 0;
            for (int64_t c = 0; c < classes; ++c) q_total += keep * y[c] + spread;
            for (int64_t c = 0; c < classes; ++c) d[c] = g[i] * (std::exp(r[c] - lse[i]) * q_total - (keep * y[c] + spread));
          }
        }
      }
      if (!indices && target.requires_grad()) {  // d/dtarget = -(1 - eps) logp
        dt = Tensor::empty(target.shape(), target.dtype());
        T* p = dt.data<T>();
        for (int64_t i = 0; i < rows; ++i) {
          for (int64_t c = 0; c < classes; ++c) p[i * classes + c] = -g[i] * keep * (x[i * classes + c] - lse[i]);
        }
      }
    });
    return Grads{dx, dt};
  });
}

Tensor nll_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  const char* op = "nll_loss";
  check_logits(op, input);
  detail::check_defined(op, target, "target");
  if (target.dtype() != kInt64) {
    throw DtypeError("nll_loss: target must be int64 class indices, got " + to_string(target.dtype()));
  }
  check_class_indices(op, input, target);
  int64_t rows = input.shape()[0], classes = input.shape()[1];
  Tensor losses = Tensor::empty({rows}, input.dtype());
  detail::dispatch_float(op, input.dtype(), [&]<class T>() {
    const T* x = input.data<T>();
    const int64_t* t = target.data<int64_t>();
    T* l = losses.data<T>();
    for (int64_t i = 0; i < rows; ++i) l[i] = -x[i * classes + t[i]];
  });
  Tensor out = reduce_losses(losses, reduction);
  return autograd::record(op, out, {input}, [=](const Tensor& dy) {
    Tensor dx = zeros(input.shape(), input.dtype());
    detail::dispatch_float("nll_loss_backward", input.dtype(), [&]<class T>() {
      Upstream<T> g(dy, reduction, rows);
      const int64_t* t = target.data<int64_t>();
      T* p = dx.data<T>();
      for (int64_t i = 0; i < rows; ++i) p[i * classes + t[i]] = -g[i];
    });
    return Grads{dx};
  });
}

}  // namespace minidl

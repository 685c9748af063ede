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

// The reduced output from the unreduced losses. 'mean' divides by `count` when it is given (the
// total class weight of the targets not ignored, for cross_entropy and nll_loss), else by the
// number of losses (elements or rows).
Tensor reduce_losses(const Tensor& losses, Reduction reduction, double count = -1) {
  if (reduction == Reduction::none) return losses;
  double total = 0;
  detail::dispatch_float("loss", losses.dtype(), [&]<class T>() {
    const T* p = losses.data<T>();
    for (int64_t i = 0, n = losses.numel(); i < n; ++i) total += static_cast<double>(p[i]);
  });
  if (reduction == Reduction::mean) total /= count >= 0 ? count : static_cast<double>(losses.numel());  // 0/0 = nan, as PyTorch
  return scalar_tensor(total, losses.dtype());
}

// The upstream gradient of loss i: dy[i] for 'none', dy for 'sum', dy / count for 'mean'.
template <class T>
struct Upstream {
  Upstream(const Tensor& dy, Reduction reduction, double count) : reduction(reduction) {
    if (reduction == Reduction::none) {
      per_loss = dy.data<T>();
    } else {
      scalar = static_cast<T>(reduction == Reduction::mean ? dy.item() / count : dy.item());
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
      Upstream<T> g(dy, reduction, static_cast<double>(input.numel()));
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

// pos_weight[c] scales the positive part of element (..., c): PyTorch's
// (1 - y) x + (1 + (pw - 1) y) softplus(-x), with softplus(-x) = max(-x, 0) + log(1 + exp(-|x|)).
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BCEWithLogitsLossOptions& options) {
  const char* op = "binary_cross_entropy_with_logits";
  const Tensor pos_weight = options.pos_weight;
  const Reduction reduction = options.reduction;
  if (!pos_weight.defined()) return binary_cross_entropy_with_logits(input, target, reduction);
  check_same_shape(op, input, target);
  const int64_t classes = input.dim() ? input.size(-1) : 0;
  if (pos_weight.dim() != 1 || input.dim() == 0 || pos_weight.size(0) != classes) {
    throw ShapeError(std::string(op) + ": pos_weight must be 1-D with one value per class of input's last dimension (" +
                     (input.dim() ? std::to_string(classes) : std::string("none: input is 0-D")) + "), got shape " +
                     to_string(pos_weight.shape()) + " for input " + to_string(input.shape()));
  }
  if (pos_weight.dtype() != input.dtype()) {
    throw DtypeError(std::string(op) + ": pos_weight is " + to_string(pos_weight.dtype()) + " but input is " +
                     to_string(input.dtype()) + " (convert it with .to(dtype))");
  }
  Tensor losses = Tensor::empty(input.shape(), input.dtype());
  detail::dispatch_float(op, input.dtype(), [&]<class T>() {
    const T *x = input.data<T>(), *y = target.data<T>(), *pw = pos_weight.data<T>();
    T* l = losses.data<T>();
    for (int64_t i = 0, n = input.numel(); i < n; ++i) {
      T softplus_neg = std::max(-x[i], T(0)) + std::log1p(std::exp(-std::abs(x[i])));
      l[i] = (T(1) - y[i]) * x[i] + (T(1) + (pw[i % classes] - T(1)) * y[i]) * softplus_neg;
    }
  });
  Tensor out = reduce_losses(losses, reduction);
  return autograd::record(op, out, {input, target}, [=](const Tensor& dy) {
    Tensor dx, dt;
    detail::dispatch_float("binary_cross_entropy_with_logits_backward", input.dtype(), [&]<class T>() {
      Upstream<T> g(dy, reduction, static_cast<double>(input.numel()));
      const T *x = input.data<T>(), *y = target.data<T>(), *pw = pos_weight.data<T>();
      int64_t n = input.numel();
      if (input.requires_grad()) {  // (1 + (pw - 1) y) sigmoid(x) - pw y
        dx = Tensor::empty(input.shape(), input.dtype());
        T* p = dx.data<T>();
        for (int64_t i = 0; i < n; ++i) {
          T s = x[i] >= 0 ? T(1) / (T(1) + std::exp(-x[i])) : std::exp(x[i]) / (T(1) + std::exp(x[i]));
          T w = pw[i % classes];
          p[i] = g[i] * ((T(1) + (w - T(1)) * y[i]) * s - w * y[i]);
        }
      }
      if (target.requires_grad()) {  // -x + (pw - 1) softplus(-x)
        dt = Tensor::empty(target.shape(), target.dtype());
        T* p = dt.data<T>();
        for (int64_t i = 0; i < n; ++i) {
          T softplus_neg = std::max(-x[i], T(0)) + std::log1p(std::exp(-std::abs(x[i])));
          p[i] = g[i] * ((pw[i % classes] - T(1)) * softplus_neg - x[i]);
        }
      }
    });
    return Grads{dx, dt};
  });
}

// ---- cross entropy and nll ---------------------------------------------------------------------

namespace {

void check_logits(const char* op, const Tensor& input) {
  detail::check_defined(op, input, "input");
  if (input.dim() != 2) {
    throw ShapeError(std::string(op) + ": input must be 2-D (N, C), got shape " + to_string(input.shape()));
  }
}

// Indices in [0, C), except those equal to ignore_index (which may be anything, as PyTorch's -100).
void check_class_indices(const char* op, const Tensor& input, const Tensor& target, int64_t ignore_index) {
  if (target.dim() != 1 || target.shape()[0] != input.shape()[0]) {
    throw ShapeError(std::string(op) + ": class-index target must have shape (" + std::to_string(input.shape()[0]) +
                     ") for input " + to_string(input.shape()) + ", got " + to_string(target.shape()));
  }
  const int64_t* t = target.data<int64_t>();
  int64_t classes = input.shape()[1];
  for (int64_t i = 0, n = target.numel(); i < n; ++i) {
    if ((t[i] < 0 || t[i] >= classes) && t[i] != ignore_index) {
      throw IndexError(std::string(op) + ": target " + std::to_string(t[i]) + " at position " + std::to_string(i) +
                       " is out of range for " + std::to_string(classes) + " classes (input " +
                       to_string(input.shape()) + ", ignore_index " + std::to_string(ignore_index) + ")");
    }
  }
}

// A class weight is undefined or (C) of input's dtype.
void check_class_weight(const char* op, const Tensor& input, const Tensor& weight) {
  if (!weight.defined()) return;
  int64_t classes = input.size(1);
  if (weight.dim() != 1 || weight.size(0) != classes) {
    throw ShapeError(std::string(op) + ": weight must be 1-D with one value per class (" + std::to_string(classes) +
                     ") for input " + to_string(input.shape()) + ", got shape " + to_string(weight.shape()));
  }
  if (weight.dtype() != input.dtype()) {
    throw DtypeError(std::string(op) + ": weight is " + to_string(weight.dtype()) + " but input is " +
                     to_string(input.dtype()) + " (convert it with .to(dtype))");
  }
}

// 'mean''s divisor for class-index targets: the count of the targets not ignored, or their total weight.
double index_mean_count(const Tensor& target, const Tensor& weight, int64_t ignore_index) {
  const int64_t* t = target.data<int64_t>();
  double count = 0;
  for (int64_t i = 0, n = target.numel(); i < n; ++i) {
    if (t[i] == ignore_index) continue;
    count += weight.defined() ? weight.at({t[i]}) : 1.0;
  }
  return count;
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
Tensor cross_entropy_nd(const Tensor& input, const Tensor& target, const CrossEntropyLossOptions& options) {
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
  Tensor loss = cross_entropy(rows, t, options);
  return options.reduction == Reduction::none ? reshape(loss, positions) : loss;
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, Reduction reduction, double label_smoothing) {
  return cross_entropy(input, target, CrossEntropyLossOptions{.reduction = reduction, .label_smoothing = label_smoothing});
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyLossOptions& options) {
  const char* op = "cross_entropy";
  if (input.defined() && input.dim() > 2) return cross_entropy_nd(input, target, options);
  check_logits(op, input);
  detail::check_defined(op, target, "target");
  const Reduction reduction = options.reduction;
  const double label_smoothing = options.label_smoothing;
  const int64_t ignore_index = options.ignore_index;
  const Tensor weight = options.weight;  // not an input of the node: no gradient, as PyTorch
  if (!(label_smoothing >= 0.0 && label_smoothing <= 1.0)) {
    throw ValueError("cross_entropy: label_smoothing must be in [0, 1], got " + std::to_string(label_smoothing));
  }
  bool indices = target.dtype() == kInt64;
  if (indices) {
    check_class_indices(op, input, target, ignore_index);
  } else if (target.shape() != input.shape()) {
    throw ShapeError("cross_entropy: a probability target must have the input's shape " + to_string(input.shape()) +
                     ", got " + to_string(target.shape()) + " (class indices must be int64 of shape (N))");
  } else {
    detail::check_same_dtype(op, input, target);
  }
  check_class_weight(op, input, weight);
  int64_t rows = input.shape()[0], classes = input.shape()[1];
  double eps = label_smoothing;
  double count = indices ? index_mean_count(target, weight, ignore_index) : static_cast<double>(rows);
  Tensor losses = Tensor::empty({rows}, input.dtype());
  detail::dispatch_float(op, input.dtype(), [&]<class T>() {
    const T* x = input.data<T>();
    const T* w = weight.defined() ? weight.data<T>() : nullptr;
    std::vector<T> lse = row_logsumexp(x, rows, classes);
    T* l = losses.data<T>();
    for (int64_t i = 0; i < rows; ++i) {
      const T* r = x + i * classes;
      if (indices) {
        int64_t t = target.data<int64_t>()[i];
        if (t == ignore_index) {
          l[i] = 0;
        } else if (!w) {
          // -(1 - eps) logp[t] - eps / C sum_c logp[c]
          T sum_logp = 0;
          for (int64_t c = 0; c < classes; ++c) sum_logp += r[c] - lse[i];
          l[i] = -static_cast<T>(1 - eps) * (r[t] - lse[i]) - static_cast<T>(eps / classes) * sum_logp;
        } else {
          // -(1 - eps) w[t] logp[t] - eps / C sum_c w[c] logp[c]
          T sum_wlogp = 0;
          for (int64_t c = 0; c < classes; ++c) sum_wlogp += w[c] * (r[c] - lse[i]);
          l[i] = -static_cast<T>(1 - eps) * w[t] * (r[t] - lse[i]) - static_cast<T>(eps / classes) * sum_wlogp;
        }
      } else {
        // -sum_c w[c] q[c] logp[c], q = (1 - eps) target + eps / C
        const T* y = target.data<T>() + i * classes;
        T total = 0;
        for (int64_t c = 0; c < classes; ++c) {
          T q = static_cast<T>(1 - eps) * y[c] + static_cast<T>(eps / classes);
          total += (w ? w[c] * q : q) * (r[c] - lse[i]);
        }
        l[i] = -total;
      }
    }
  });
  Tensor out = reduce_losses(losses, reduction, count);
  return autograd::record(op, out, {input, target}, [=](const Tensor& dy) {
    Tensor dx, dt;
    detail::dispatch_float("cross_entropy_backward", input.dtype(), [&]<class T>() {
      Upstream<T> g(dy, reduction, count);
      const T* x = input.data<T>();
      const T* w = weight.defined() ? weight.data<T>() : nullptr;
      std::vector<T> lse = row_logsumexp(x, rows, classes);
      T keep = static_cast<T>(1 - eps), spread = static_cast<T>(eps / classes);
      T w_total = 0;
      for (int64_t c = 0; w && c < classes; ++c) w_total += w[c];
      if (input.requires_grad()) {
        // indices: dx = softmax - (1 - eps) onehot - eps / C, 0 for an ignored target;
        //   weighted: (1 - eps) w[t] (softmax - onehot) + eps / C (sum(w) softmax - w)
        // probabilities: dx = softmax sum(w q) - w q
        dx = Tensor::empty(input.shape(), input.dtype());
        T* p = dx.data<T>();
        for (int64_t i = 0; i < rows; ++i) {
          const T* r = x + i * classes;
          T* d = p + i * classes;
          if (indices) {
            int64_t t = target.data<int64_t>()[i];
            if (t == ignore_index) {
              std::fill(d, d + classes, T(0));
            } else if (!w) {
              for (int64_t c = 0; c < classes; ++c) d[c] = g[i] * (std::exp(r[c] - lse[i]) - spread - (c == t ? keep : T(0)));
            } else {
              for (int64_t c = 0; c < classes; ++c) {
                T s = std::exp(r[c] - lse[i]);
                d[c] = g[i] * (keep * w[t] * (s - (c == t ? T(1) : T(0))) + spread * (w_total * s - w[c]));
              }
            }
          } else {
            const T* y = target.data<T>() + i * classes;
            auto wq = [&](int64_t c) { return (w ? w[c] : T(1)) * (keep * y[c] + spread); };
            T q_total = 0;
            for (int64_t c = 0; c < classes; ++c) q_total += wq(c);
            for (int64_t c = 0; c < classes; ++c) d[c] = g[i] * (std::exp(r[c] - lse[i]) * q_total - wq(c));
          }
        }
      }
      if (!indices && target.requires_grad()) {  // d/dtarget = -(1 - eps) w logp
        dt = Tensor::empty(target.shape(), target.dtype());
        T* p = dt.data<T>();
        for (int64_t i = 0; i < rows; ++i) {
          for (int64_t c = 0; c < classes; ++c) {
            T d = -g[i] * keep * (x[i * classes + c] - lse[i]);
            p[i * classes + c] = w ? d * w[c] : d;
          }
        }
      }
    });
    return Grads{dx, dt};
  });
}

Tensor nll_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  return nll_loss(input, target, NLLLossOptions{.reduction = reduction});
}

Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossOptions& options) {
  const char* op = "nll_loss";
  check_logits(op, input);
  detail::check_defined(op, target, "target");
  if (target.dtype() != kInt64) {
    throw DtypeError("nll_loss: target must be int64 class indices, got " + to_string(target.dtype()));
  }
  const Reduction reduction = options.reduction;
  const int64_t ignore_index = options.ignore_index;
  const Tensor weight = options.weight;  // not an input of the node: no gradient, as PyTorch
  check_class_indices(op, input, target, ignore_index);
  check_class_weight(op, input, weight);
  int64_t rows = input.shape()[0], classes = input.shape()[1];
  double count = index_mean_count(target, weight, ignore_index);
  Tensor losses = Tensor::empty({rows}, input.dtype());
  detail::dispatch_float(op, input.dtype(), [&]<class T>() {
    const T* x = input.data<T>();
    const T* w = weight.defined() ? weight.data<T>() : nullptr;
    const int64_t* t = target.data<int64_t>();
    T* l = losses.data<T>();
    for (int64_t i = 0; i < rows; ++i) {
      if (t[i] == ignore_index) {
        l[i] = 0;
      } else {
        l[i] = w ? -w[t[i]] * x[i * classes + t[i]] : -x[i * classes + t[i]];
      }
    }
  });
  Tensor out = reduce_losses(losses, reduction, count);
  return autograd::record(op, out, {input}, [=](const Tensor& dy) {
    Tensor dx = zeros(input.shape(), input.dtype());
    detail::dispatch_float("nll_loss_backward", input.dtype(), [&]<class T>() {
      Upstream<T> g(dy, reduction, count);
      const T* w = weight.defined() ? weight.data<T>() : nullptr;
      const int64_t* t = target.data<int64_t>();
      T* p = dx.data<T>();
      for (int64_t i = 0; i < rows; ++i) {
        if (t[i] != ignore_index) p[i * classes + t[i]] = w ? -g[i] * w[t[i]] : -g[i];
      }
    });
    return Grads{dx};
  });
}

}  // namespace minidl

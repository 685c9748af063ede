// batch_norm: per-channel statistics over every dim but 1, in a fixed order whatever the layout,
// and one backward loop per channel run.
#include "minidl/ops/batch_norm.h"

#include <cmath>
#include <cstdint>
#include <string>

#include "dispatch.h"
#include "minidl/autograd/node.h"

namespace minidl {

using autograd::Grads;

namespace {

void check_channel_vector(const Tensor& v, const char* name, const Tensor& x) {
  if (!v.defined()) return;
  if (v.dtype() != x.dtype()) {
    throw DtypeError(std::string("batch_norm: ") + name + " is " + to_string(v.dtype()) + ", input is " +
                     to_string(x.dtype()));
  }
  if (v.dim() != 1 || v.size(0) != x.size(1)) {
    throw ShapeError(std::string("batch_norm: ") + name + " must have shape (" + std::to_string(x.size(1)) +
                     ") for input shape " + to_string(x.shape()) + ", got " + to_string(v.shape()));
  }
}

}  // namespace

// Per channel c, over the N * L values of x viewed as (N, C, L):
// y = (x - mean_c) invstd_c w_c + b_c, invstd_c = 1 / sqrt(var_c + eps).
// x: (N, C, ...) -> y: the same shape
namespace {

// Calls f(channel, offset, length) for every contiguous run of one channel's values in an
// (N, C, inner) tensor, in order of increasing n for each channel (so sums add in the same order
// whatever the layout). With inner == 1 (BatchNorm1d on (N, C)) the runs are single elements and
// the loops go row by row, so they stay in memory order.
template <class F>
void for_each_channel_run(int64_t n, int64_t c, int64_t inner, F f) {
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t ch = 0; ch < c; ++ch) f(ch, (i * c + ch) * inner, inner);
  }
}

// out[e] = value(e, channel of e) over an (N, C, inner) tensor, as contiguous per-channel runs.
template <class T, class F>
void apply_per_channel(int64_t n, int64_t c, int64_t inner, F value, T* out) {
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t ch = 0; ch < c; ++ch) {
      const int64_t base = (i * c + ch) * inner;
      for (int64_t k = 0; k < inner; ++k) out[base + k] = value(base + k, ch);
    }
  }
}

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  detail::check_defined("batch_norm", x);
  if (x.dim() < 2) {
    throw ShapeError("batch_norm: expected an input with a channel dim (N, C, ...), got shape " + to_string(x.shape()));
  }
  detail::dispatch_float("batch_norm", x.dtype(), []<class T>() {});
  check_channel_vector(running_mean, "running_mean", x);
  check_channel_vector(running_var, "running_var", x);
  check_channel_vector(weight, "weight", x);
  check_channel_vector(bias, "bias", x);
  if (running_mean.defined() != running_var.defined()) {
    throw ValueError("batch_norm: running_mean and running_var must both be given or both be undefined");
  }
  const int64_t n = x.size(0), c = x.size(1), inner = x.numel() / std::max<int64_t>(n * c, 1);
  const int64_t count = n * inner;
  if (training && count <= 1) {
    throw ValueError("batch_norm: expected more than 1 value per channel when training, got input shape " +
                     to_string(x.shape()));
  }
  const bool batch_stats = training || !running_mean.defined();
  std::vector<double> mean(c), invstd(c);
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  detail::dispatch_float("batch_norm", x.dtype(), [&]<class T>() {
    const T* px = x.data<T>();
    T* py = y.data<T>();
    if (batch_stats) {  // two passes in double: the mean, then the biased variance
      std::vector<double> total(c, 0.0), squares(c, 0.0);
      for_each_channel_run(n, c, inner, [&](int64_t ch, int64_t base, int64_t len) {
        for (int64_t k = 0; k < len; ++k) total[ch] += px[base + k];
      });
      for (int64_t ch = 0; ch < c; ++ch) mean[ch] = total[ch] / static_cast<double>(count);
      for_each_channel_run(n, c, inner, [&](int64_t ch, int64_t base, int64_t len) {
        for (int64_t k = 0; k < len; ++k) {
          const double d = px[base + k] - mean[ch];
          squares[ch] += d * d;
        }
      });
      for (int64_t ch = 0; ch < c; ++ch) {
        double var = squares[ch] / static_cast<double>(count);
        invstd[ch] = 1.0 / std::sqrt(var + eps);
        if (training && running_mean.defined()) {  // PyTorch: the running variance is unbiased
          T* rm = running_mean.data<T>();
          T* rv = running_var.data<T>();
          rm[ch] = static_cast<T>((1 - momentum) * rm[ch] + momentum * mean[ch]);
          rv[ch] = static_cast<T>((1 - momentum) * rv[ch] + momentum * squares[ch] / static_cast<double>(count - 1));
        }
      }
    } else {
      for (int64_t ch = 0; ch < c; ++ch) {
        mean[ch] = running_mean.data<T>()[ch];
        invstd[ch] = 1.0 / std::sqrt(static_cast<double>(running_var.data<T>()[ch]) + eps);
      }
    }
    // y = x scale + shift, one multiply-add per element.
    std::vector<T> scale(c), shift(c);
    for (int64_t ch = 0; ch < c; ++ch) {
      const double w = weight.defined() ? static_cast<double>(weight.data<T>()[ch]) : 1.0;
      const double b = bias.defined() ? static_cast<double>(bias.data<T>()[ch]) : 0.0;
      scale[ch] = static_cast<T>(invstd[ch] * w);
      shift[ch] = static_cast<T>(b - mean[ch] * invstd[ch] * w);
    }
    apply_per_channel(n, c, inner, [&](int64_t i, int64_t ch) { return px[i] * scale[ch] + shift[ch]; }, py);
  });
  return autograd::record(
      "batch_norm", y, {x, weight, bias}, [x, weight, bias, mean, invstd, batch_stats, n, c, inner](const Tensor& dy) {
        Tensor dx = x.requires_grad() ? Tensor::empty(x.shape(), x.dtype()) : Tensor();
        Tensor dw = weight.defined() && weight.requires_grad() ? Tensor::empty(weight.shape(), x.dtype()) : Tensor();
        Tensor db = bias.defined() && bias.requires_grad() ? Tensor::empty(bias.shape(), x.dtype()) : Tensor();
        const double count = static_cast<double>(n * inner);
        detail::dispatch_float("batch_norm_backward", dy.dtype(), [&]<class T>() {
          const T *px = x.data<T>(), *pdy = dy.data<T>();
          // sum_dy = sum dy, sum_dy_xhat = sum dy xhat, xhat = (x - mean) invstd
          std::vector<double> sum_dy(c, 0.0), sum_dy_xc(c, 0.0);
          for_each_channel_run(n, c, inner, [&](int64_t ch, int64_t base, int64_t len) {
            for (int64_t k = 0; k < len; ++k) {
              sum_dy[ch] += pdy[base + k];
              sum_dy_xc[ch] += pdy[base + k] * (px[base + k] - mean[ch]);
            }
          });
          std::vector<T> ta(c), tb(c), tc(c);
          for (int64_t ch = 0; ch < c; ++ch) {
            const double sum_dy_xhat = sum_dy_xc[ch] * invstd[ch];
            if (dw.defined()) dw.data<T>()[ch] = static_cast<T>(sum_dy_xhat);
            if (db.defined()) db.data<T>()[ch] = static_cast<T>(sum_dy[ch]);
            const double w = weight.defined() ? static_cast<double>(weight.data<T>()[ch]) : 1.0;
            const double k_dy = w * invstd[ch];
            // Batch statistics: dx = w invstd (dy - mean(dy) - xhat mean(dy xhat)), written as
            // dx = a dy + b x + c with per-channel a, b, c. Running statistics: dx = w invstd dy.
            const double bx = batch_stats ? -k_dy * invstd[ch] * sum_dy_xhat / count : 0.0;
            ta[ch] = static_cast<T>(k_dy);
            tb[ch] = static_cast<T>(bx);
            tc[ch] = static_cast<T>(batch_stats ? -k_dy * sum_dy[ch] / count - bx * mean[ch] : 0.0);
          }
          if (dx.defined()) {
            apply_per_channel(
                n, c, inner, [&](int64_t i, int64_t ch) { return ta[ch] * pdy[i] + tb[ch] * px[i] + tc[ch]; },
                dx.data<T>());
          }
        });
        return Grads{dx, dw, db};
      });
}

}  // namespace minidl

// conv2d lays the whole batch out as columns (C*KH*KW, N*OH*OW) (im2col) and does one GEMM;
// its backward is one GEMM for dw, one for the columns' gradient, and col2im for dx. The
// im2col/col2im loops compute each kernel offset's valid output range once, so the inner loops
// are branch-free contiguous copies that vectorise (stride 1).
#include "minidl/ops/conv.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "blas.h"
#include "dispatch.h"
#include "minidl/autograd/node.h"
#include "minidl/kernels.h"
#include "onednn_conv.h"
#include "sum_kernel.h"
#include "window.h"

namespace minidl {

using autograd::Grads;
using detail::check_4d, detail::check_window, detail::Geometry, detail::pair_string;  // window.h
using detail::Range, detail::valid_range, detail::window_geometry;

namespace {

// cols[(c, ki, kj)][(n, oh, ow)] = x[n, c, oh*sh - ph + ki, ow*sw - pw + kj], 0 outside.
// x: (N, C, H, W) -> cols: (C*KH*KW, N*OH*OW)
// Pointers step through rows and the zero fills are plain loops (no memset call per short row):
// LeNet's rows are 8 to 24 values long, so per-row overhead is what costs.
template <class T>
void im2col(const T* x, const Geometry& g, T* cols) {
  const int64_t plane = g.plane(), ld = g.n * plane, ow_size = g.ow, sw = g.sw, in_plane = g.h * g.w;
  const int64_t row_step = g.sh * g.w;
  for (int64_t c = 0; c < g.c; ++c) {
    for (int64_t ki = 0; ki < g.kh; ++ki) {
      const Range rh = valid_range(g.oh, g.h, g.sh, g.ph, ki);
      const int64_t first_row = (rh.lo * g.sh - g.ph + ki) * g.w;  // input offset of output row rh.lo
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        const Range rw = valid_range(g.ow, g.w, g.sw, g.pw, kj);
        const int64_t lo = rw.lo, hi = rw.hi, offset = kj - g.pw;
        T* row = cols + ((c * g.kh + ki) * g.kw + kj) * ld;
        for (int64_t n = 0; n < g.n; ++n) {
          const T* in = x + (n * g.c + c) * in_plane + first_row;
          T* out = row + n * plane;
          for (int64_t k = 0; k < rh.lo * ow_size; ++k) out[k] = T(0);
          out += rh.lo * ow_size;
          for (int64_t oh = rh.lo; oh < rh.hi; ++oh, in += row_step, out += ow_size) {
            for (int64_t ow = 0; ow < lo; ++ow) out[ow] = T(0);
            if (sw == 1) {
              for (int64_t ow = lo; ow < hi; ++ow) out[ow] = in[ow + offset];
            } else {
              for (int64_t ow = lo; ow < hi; ++ow) out[ow] = in[ow * sw + offset];
            }
            for (int64_t ow = hi; ow < ow_size; ++ow) out[ow] = T(0);
          }
          for (int64_t k = 0; k < (g.oh - rh.hi) * ow_size; ++k) out[k] = T(0);
        }
      }
    }
  }
}

// The adjoint of im2col: dx[n, c, ih, iw] += every column entry that copied it. dx must be zeroed.
template <class T>
void col2im(const T* cols, const Geometry& g, T* dx) {
  const int64_t plane = g.plane(), ld = g.n * plane, ow_size = g.ow, sw = g.sw, in_plane = g.h * g.w;
  const int64_t row_step = g.sh * g.w;
  for (int64_t c = 0; c < g.c; ++c) {
    for (int64_t ki = 0; ki < g.kh; ++ki) {
      const Range rh = valid_range(g.oh, g.h, g.sh, g.ph, ki);
      const int64_t first_row = (rh.lo * g.sh - g.ph + ki) * g.w;
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        const Range rw = valid_range(g.ow, g.w, g.sw, g.pw, kj);
        const int64_t lo = rw.lo, hi = rw.hi, offset = kj - g.pw;
        const T* row = cols + ((c * g.kh + ki) * g.kw + kj) * ld;
        for (int64_t n = 0; n < g.n; ++n) {
          T* in = dx + (n * g.c + c) * in_plane + first_row;
          const T* out = row + n * plane + rh.lo * ow_size;
          for (int64_t oh = rh.lo; oh < rh.hi; ++oh, in += row_step, out += ow_size) {
            if (sw == 1) {
              for (int64_t ow = lo; ow < hi; ++ow) in[ow + offset] += out[ow];
            } else {
              for (int64_t ow = lo; ow < hi; ++ow) in[ow * sw + offset] += out[ow];
            }
          }
        }
      }
    }
  }
}

// (N, OC, P) <-> (OC, N, P): the GEMM works on channel-major rows, tensors are batch-major.
template <class T>
void swap_leading(const T* src, int64_t a, int64_t b, int64_t p, T* dst) {
  for (int64_t i = 0; i < a; ++i) {
    for (int64_t j = 0; j < b; ++j) std::copy_n(src + (i * b + j) * p, p, dst + (j * a + i) * p);
  }
}

Geometry conv_geometry(const Tensor& x, const Tensor& w, const Tensor& b, Size2 stride, Size2 padding) {
  check_4d("conv2d", x);
  detail::check_defined("conv2d", w, "weight");
  if (w.dim() != 4) {
    throw ShapeError("conv2d: weight must be 4-D (out_channels, in_channels, KH, KW), got shape " +
                     to_string(w.shape()));
  }
  if (x.dtype() != w.dtype() || (b.defined() && b.dtype() != x.dtype())) {
    throw DtypeError("conv2d: input, weight and bias must have one dtype, got input " + to_string(x.dtype()) +
                     ", weight " + to_string(w.dtype()) + (b.defined() ? ", bias " + to_string(b.dtype()) : ""));
  }
  if (x.size(1) != w.size(1)) {
    throw ShapeError("conv2d: input has " + std::to_string(x.size(1)) + " channels, expected " +
                     std::to_string(w.size(1)) + " (weight " + to_string(w.shape()) + "): input shape " +
                     to_string(x.shape()));
  }
  if (b.defined() && (b.dim() != 1 || b.size(0) != w.size(0))) {
    throw ShapeError("conv2d: bias must have shape (" + std::to_string(w.size(0)) + "), got " + to_string(b.shape()));
  }
  Size2 kernel_size{w.size(2), w.size(3)};
  check_window("conv2d", kernel_size, stride, padding);
  Geometry g = window_geometry("conv2d", x, kernel_size, stride, padding);
  g.oc = w.size(0);
  return g;
}

}  // namespace

namespace {

onednn::ConvShape conv_shape(const Geometry& g, bool bias) {
  return {g.n, g.c, g.h, g.w, g.oc, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow, bias};
}

// float32 through oneDNN (kernels.h): forward, then dx and dw/db each by one primitive.
Tensor conv2d_onednn(const Tensor& x, const Tensor& w, const Tensor& b, const Geometry& g) {
  const onednn::ConvShape s = conv_shape(g, b.defined());
  Tensor y = Tensor::empty({g.n, g.oc, g.oh, g.ow}, kFloat32);
  onednn::conv_forward(s, x.data<float>(), w.data<float>(), b.defined() ? b.data<float>() : nullptr,
                       y.data<float>());
  return autograd::record("conv2d", y, {x, w, b}, [x, w, b, s](const Tensor& dy) {
    Tensor dx, dw, db;
    if (w.requires_grad() || (b.defined() && b.requires_grad())) {
      // oneDNN computes dw and db in one pass; a bias that needs no gradient still gets one, dropped.
      dw = Tensor::empty(w.shape(), kFloat32);
      if (b.defined()) db = Tensor::empty(b.shape(), kFloat32);
      onednn::conv_backward_weights(s, x.data<float>(), dy.data<float>(), dw.data<float>(),
                                    b.defined() ? db.data<float>() : nullptr);
      if (!w.requires_grad()) dw = Tensor();
      if (b.defined() && !b.requires_grad()) db = Tensor();
    }
    if (x.requires_grad()) {
      dx = Tensor::empty(x.shape(), kFloat32);
      onednn::conv_backward_data(s, w.data<float>(), dy.data<float>(), dx.data<float>());
    }
    return Grads{dx, dw, db};
  });
}

}  // namespace

// float32 goes to oneDNN (onednn_conv.h) unless set_conv_kernel chose the reference below.
// The reference: y[n] = w (OC, C*KH*KW) cols[n] (C*KH*KW, OH*OW) + b, with all n in one GEMM.
// x: (N, C, H, W), w: (OC, C, KH, KW) -> y: (N, OC, OH, OW)
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, Size2 stride, Size2 padding) {
  const Geometry g = conv_geometry(x, w, b, stride, padding);
  if (x.dtype() == kFloat32 && conv_kernel() == ConvKernel::onednn && x.numel() > 0 && w.numel() > 0) {
    return conv2d_onednn(x, w, b, g);
  }
  const int64_t cols_width = g.n * g.plane();
  Tensor cols = Tensor::empty({g.rows(), cols_width}, x.dtype());
  Tensor y = Tensor::empty({g.n, g.oc, g.oh, g.ow}, x.dtype());
  detail::dispatch_float("conv2d", x.dtype(), [&]<class T>() {
    im2col(x.data<T>(), g, cols.data<T>());
    // A single image's (OC, OH*OW) product is already y's layout; a batch goes through a buffer.
    Tensor product = g.n == 1 ? y : Tensor::empty({g.oc, cols_width}, x.dtype());
    T* py = product.data<T>();
    blas::gemm(false, false, g.oc, cols_width, g.rows(), T(1), w.data<T>(), g.rows(), cols.data<T>(), cols_width, T(0),
               py, cols_width);
    T* out = y.data<T>();
    const T* pb = b.defined() ? b.data<T>() : nullptr;
    const int64_t plane = g.plane();
    for (int64_t n = 0; n < g.n; ++n) {
      for (int64_t o = 0; o < g.oc; ++o) {
        const T* src = py + (o * g.n + n) * plane;
        T* dst = out + (n * g.oc + o) * plane;
        const T bias = pb ? pb[o] : T(0);
        for (int64_t p = 0; p < plane; ++p) dst[p] = src[p] + bias;  // in place when n == 1
      }
    }
  });
  // The columns are kept for dw only.
  Tensor saved_cols = w.requires_grad() ? cols : Tensor();
  return autograd::record("conv2d", y, {x, w, b}, [x, w, b, saved_cols, g](const Tensor& dy) {
    Tensor dx, dw, db;
    const int64_t cols_width = g.n * g.plane();
    detail::dispatch_float("conv2d_backward", dy.dtype(), [&]<class T>() {
      // dy as (OC, N*OH*OW) rows, the layout of the forward's product.
      Tensor rows = dy;
      if (g.n > 1) {
        rows = Tensor::empty({g.oc, cols_width}, dy.dtype());
        swap_leading(dy.data<T>(), g.n, g.oc, g.plane(), rows.data<T>());
      }
      const T* pdy = rows.data<T>();
      if (w.requires_grad()) {  // dw = dy (OC, NP) cols^T (NP, C*KH*KW)
        dw = Tensor::empty(w.shape(), w.dtype());
        blas::gemm(false, true, g.oc, g.rows(), cols_width, T(1), pdy, cols_width, saved_cols.data<T>(), cols_width,
                   T(0), dw.data<T>(), g.rows());
      }
      if (b.defined() && b.requires_grad()) {  // db = sum of dy over n, oh, ow
        db = Tensor::empty(b.shape(), b.dtype());
        T* pdb = db.data<T>();
        // 64 partial sums per channel: N*OH*OW elements each (36,864 in LeNet's first layer).
        for (int64_t o = 0; o < g.oc; ++o) pdb[o] = detail::sum_contiguous<64>(pdy + o * cols_width, cols_width);
      }
      if (x.requires_grad()) {  // dcols = w^T (C*KH*KW, OC) dy (OC, NP); dx = col2im(dcols)
        Tensor dcols = Tensor::empty({g.rows(), cols_width}, dy.dtype());
        blas::gemm(true, false, g.rows(), cols_width, g.oc, T(1), w.data<T>(), g.rows(), pdy, cols_width, T(0),
                   dcols.data<T>(), cols_width);
        dx = zeros(x.shape(), x.dtype());
        col2im(dcols.data<T>(), g, dx.data<T>());
      }
    });
    return Grads{dx, dw, db};
  });
}

}  // namespace minidl

// Image ops. conv2d lays the whole batch out as columns (C*KH*KW, N*OH*OW) (im2col) and does one
// GEMM; its backward is one GEMM for dw, one for the columns' gradient, and col2im for dx. The
// im2col/col2im loops compute each kernel offset's valid output range once, so the inner loops
// are branch-free contiguous copies that vectorise (stride 1).
#include "minidl/ops/conv.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <limits>
#include <string>
#include <vector>

#include "blas.h"
#include "dispatch.h"
#include "minidl/autograd/node.h"
#include "minidl/kernels.h"
#include "minidl/threads.h"
#include "onednn_conv.h"
#include "sum_kernel.h"
#include "thread_pool.h"

namespace minidl {

using autograd::Grads;

std::string to_string(Size2 s) {
  std::string out = "(";  // appended piecewise: GCC 12 warns (-Wrestrict) on "(" + std::string
  out += std::to_string(s.h);
  out += ", ";
  out += std::to_string(s.w);
  out += ")";
  return out;
}

namespace {

std::string pair_string(int64_t a, int64_t b) { return to_string(Size2(a, b)); }
std::string pair_string(Size2 s) { return to_string(s); }

// The sizes of one conv or pool call. c is the input's channels; oc the output's (conv only).
struct Geometry {
  int64_t n, c, h, w;
  int64_t kh, kw, sh, sw, ph, pw;
  int64_t oh = 0, ow = 0;
  int64_t oc = 0;
  int64_t rows() const { return c * kh * kw; }  // im2col rows
  int64_t plane() const { return oh * ow; }
};

void check_window(const char* op, Size2 kernel_size, Size2 stride, Size2 padding) {
  if (kernel_size.h < 1 || kernel_size.w < 1 || stride.h < 1 || stride.w < 1 || padding.h < 0 || padding.w < 0) {
    throw ValueError(std::string(op) + ": kernel_size and stride must be >= 1 and padding >= 0, got kernel_size " +
                     pair_string(kernel_size) + ", stride " + pair_string(stride) + ", padding " +
                     pair_string(padding));
  }
}

// Fills the output size; the kernel must fit in the padded input.
Geometry window_geometry(const char* op, const Tensor& x, Size2 kernel_size, Size2 stride, Size2 padding) {
  Geometry g{.n = x.size(0),
             .c = x.size(1),
             .h = x.size(2),
             .w = x.size(3),
             .kh = kernel_size.h,
             .kw = kernel_size.w,
             .sh = stride.h,
             .sw = stride.w,
             .ph = padding.h,
             .pw = padding.w};
  int64_t padded_h = g.h + 2 * g.ph, padded_w = g.w + 2 * g.pw;
  if (padded_h < g.kh || padded_w < g.kw) {
    throw ShapeError(std::string(op) + ": kernel " + pair_string(kernel_size) + " is larger than the padded input " +
                     pair_string(padded_h, padded_w) + ": input shape " + to_string(x.shape()) + ", padding " +
                     pair_string(padding));
  }
  g.oh = (padded_h - g.kh) / g.sh + 1;
  g.ow = (padded_w - g.kw) / g.sw + 1;
  return g;
}

void check_4d(const char* op, const Tensor& x) {
  detail::check_defined(op, x);
  if (x.dim() != 4) {
    throw ShapeError(std::string(op) + ": expected a 4-D input (N, C, H, W), got shape " + to_string(x.shape()));
  }
}

// The outputs o in [lo, hi) (of `out`) that read input index o*s - p + k inside [0, size).
struct Range {
  int64_t lo, hi;
};
Range valid_range(int64_t out, int64_t size, int64_t s, int64_t p, int64_t k) {
  int64_t lo = p > k ? (p - k + s - 1) / s : 0;
  int64_t top = size - 1 + p - k;  // the largest o*s allowed
  int64_t hi = top >= 0 ? top / s + 1 : 0;
  lo = std::min(lo, out);
  return {lo, std::clamp(hi, lo, out)};
}

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

namespace {

Geometry pool_geometry(const char* op, const Tensor& x, Size2 kernel_size, std::optional<Size2> stride, Size2 padding) {
  check_4d(op, x);
  detail::dispatch_float(op, x.dtype(), []<class T>() {});  // float dtypes only
  Size2 s = stride.value_or(kernel_size);
  check_window(op, kernel_size, s, padding);
  if (2 * padding.h > kernel_size.h || 2 * padding.w > kernel_size.w) {
    throw ValueError(std::string(op) + ": padding must be at most half the kernel size, got padding " +
                     pair_string(padding) + " for kernel_size " + pair_string(kernel_size));
  }
  return window_geometry(op, x, kernel_size, s, padding);
}

// The pooling kernels work one output row at a time: for each input row ih of the window and
// each kernel column kj, one branch-free loop over the output columns that read it (the same
// valid ranges as im2col). Each output still sees its window in row-major order.
struct PoolRows {
  int64_t h0, h1;  // input rows of output row oh inside the image
  int64_t pool_h;  // rows of the window clipped to the padded input (avg_pool2d's divisor)
};
PoolRows pool_rows(const Geometry& g, int64_t oh) {
  const int64_t start = oh * g.sh - g.ph, end = std::min(start + g.kh, g.h + g.ph);
  return {std::max<int64_t>(start, 0), std::min(end, g.h), end - start};
}

// Runs body(begin, end) over the planes [0, planes) of an (N*C, ...) tensor: in one block per
// thread when the work pays for the hand-off (about 2^17 elements), else on the calling thread.
// Planes are independent, so the result has the same bits either way.
template <class F>
void for_planes(int64_t planes, int64_t elements_per_plane, F body) {
  constexpr int64_t kParallelElements = int64_t{1} << 17;
  detail::parallel_blocks(planes, (kParallelElements + elements_per_plane - 1) / std::max<int64_t>(elements_per_plane, 1),
                          1, body);
}

std::vector<Range> column_ranges(const Geometry& g) {
  std::vector<Range> ranges(g.kw);
  for (int64_t kj = 0; kj < g.kw; ++kj) ranges[kj] = valid_range(g.ow, g.w, g.sw, g.pw, kj);
  return ranges;
}

}  // namespace

namespace {

// The common 2x2 window with stride 2 and no padding. Each output keeps the position of its
// maximum in the window (0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right) as an int32 code
// rather than an int64 index, and the backward writes every input gradient once (g where the code
// points, else 0) instead of zeroing dx and scattering into it. Same rule as the general path
// (and PyTorch): the last NaN of the window in row-major order wins, else its first maximum.
//
// Rows of a LeNet's pooled maps are 12 and 4 outputs wide: a loop per row ran almost entirely in
// its scalar epilogue, with branches on the comparisons (40% of a LeNet training step). So both
// directions run in two passes over blocks of row pairs: a vertical pass per row (contiguous,
// 2 * OW wide) and a horizontal pass over the whole block's outputs as one long array.
bool is_2x2_stride_2(const Geometry& g) {
  return g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0;
}

// The codes live in a float32 tensor's storage (minidl has no int32 dtype; the caching allocator
// reuses the block every step).
int32_t* codes_of(const Tensor& codes) { return static_cast<int32_t*>(codes.raw_data()); }

// Row pairs per block: about 2,048 vertical maxima, so a block's scratch stays in L1.
int64_t row_pairs_per_block(const Geometry& g) { return std::max<int64_t>(1, 2048 / std::max<int64_t>(2 * g.ow, 1)); }

template <class T>
void max_pool_2x2(const Geometry& g, const T* x, T* y, int32_t* codes) {
  const int64_t in_plane = g.h * g.w, width = 2 * g.ow, per_block = row_pairs_per_block(g);
  for_planes(g.n * g.c, in_plane, [&](int64_t first, int64_t last) {
    // Per-thread scratch, kept between calls: no allocation in a training step.
    thread_local std::vector<T> column_max;
    thread_local std::vector<int32_t> column_row;  // 0: the top row's element won, 2: the bottom row's
    column_max.resize(static_cast<size_t>(per_block * width));
    column_row.resize(column_max.size());
    for (int64_t q0 = first * g.oh, q_end = last * g.oh; q0 < q_end; q0 += per_block) {
      const int64_t pairs = std::min(per_block, q_end - q0);
      for (int64_t q = 0; q < pairs; ++q) {  // vertical: each column's pair, as a window of two
        const T* __restrict r0 = x + ((q0 + q) / g.oh) * in_plane + 2 * ((q0 + q) % g.oh) * g.w;
        const T* __restrict r1 = r0 + g.w;
        T* __restrict best = column_max.data() + q * width;
        int32_t* __restrict row = column_row.data() + q * width;
        for (int64_t w = 0; w < width; ++w) {
          const T top = r0[w], bottom = r1[w];
          const bool take = (bottom > top) | (bottom != bottom);
          best[w] = take ? bottom : top;
          row[w] = take ? 2 : 0;
        }
      }
      // horizontal: left pair (code 0 or 2) against right pair (1 or 3), by the window's rule
      const T* __restrict best = column_max.data();
      const int32_t* __restrict row = column_row.data();
      T* __restrict out = y + q0 * g.ow;
      int32_t* __restrict code = codes + q0 * g.ow;
      for (int64_t i = 0, n = pairs * g.ow; i < n; ++i) {
        const T left = best[2 * i], right = best[2 * i + 1];
        const int32_t left_code = row[2 * i], right_code = row[2 * i + 1] + 1;
        const bool left_nan = left != left, right_nan = right != right, later = right_code > left_code;
        // bitwise, not ?: or &&, so that the loop has no control flow and vectorises
        const bool take = (right_nan & ((!left_nan) | later)) |
                          ((!right_nan) & (!left_nan) & ((right > left) | ((right == left) & (!later))));
        out[i] = take ? right : left;
        code[i] = take ? right_code : left_code;
      }
    }
  });
}

template <class T>
void max_pool_2x2_backward(const Geometry& g, const T* dy, const int32_t* codes, T* dx) {
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  const int64_t in_plane = g.h * g.w, width = 2 * g.ow, per_block = row_pairs_per_block(g);
  for_planes(g.n * g.c, in_plane, [&](int64_t first, int64_t last) {
    thread_local std::vector<T> top_rows, bottom_rows;  // per-thread scratch, kept between calls
    top_rows.resize(static_cast<size_t>(per_block * width));
    bottom_rows.resize(top_rows.size());
    for (int64_t q0 = first * g.oh, q_end = last * g.oh; q0 < q_end; q0 += per_block) {
      const int64_t pairs = std::min(per_block, q_end - q0);
      // horizontal: each output's gradient to its window's four places, as one long array
      const T* __restrict grad = dy + q0 * g.ow;
      const int32_t* __restrict code = codes + q0 * g.ow;
      T* __restrict top = top_rows.data();
      T* __restrict bottom = bottom_rows.data();
      for (int64_t i = 0, n = pairs * g.ow; i < n; ++i) {
        // v where the code points, else +0, as bit masks: GCC kept selects here as branches
        const Bits v = std::bit_cast<Bits>(grad[i]);
        const int32_t c = code[i];
        top[2 * i] = std::bit_cast<T>(v & (Bits{0} - Bits{c == 0}));
        top[2 * i + 1] = std::bit_cast<T>(v & (Bits{0} - Bits{c == 1}));
        bottom[2 * i] = std::bit_cast<T>(v & (Bits{0} - Bits{c == 2}));
        bottom[2 * i + 1] = std::bit_cast<T>(v & (Bits{0} - Bits{c == 3}));
      }
      for (int64_t q = 0; q < pairs; ++q) {  // vertical: the two rows into dx
        const int64_t nc = (q0 + q) / g.oh, oh = (q0 + q) % g.oh;
        T* __restrict r0 = dx + nc * in_plane + 2 * oh * g.w;
        T* __restrict r1 = r0 + g.w;
        std::copy_n(top + q * width, width, r0);
        std::copy_n(bottom + q * width, width, r1);
        if (width < g.w) r0[width] = r1[width] = T(0);  // an odd width's last column
        if (oh == g.oh - 1) {
          for (int64_t i = 2 * g.oh * g.w; i < in_plane; ++i) dx[nc * in_plane + i] = T(0);  // an odd height's last row
        }
      }
    }
  });
}

}  // namespace

// y = max over each window; indices (flat h*W + w in the plane) are kept for the backward.
// x: (N, C, H, W) -> y: (N, C, OH, OW)
Tensor max_pool2d(const Tensor& x, Size2 kernel_size, std::optional<Size2> stride, Size2 padding) {
  const Geometry g = pool_geometry("max_pool2d", x, kernel_size, stride, padding);
  Tensor y = Tensor::empty({g.n, g.c, g.oh, g.ow}, x.dtype());
  if (is_2x2_stride_2(g)) {
    Tensor codes = Tensor::empty({g.n * g.c * g.plane()}, kFloat32);
    detail::dispatch_float("max_pool2d", x.dtype(), [&]<class T>() {
      max_pool_2x2(g, x.data<T>(), y.data<T>(), codes_of(codes));
    });
    return autograd::record("max_pool2d", y, {x}, [codes, shape = x.shape(), g](const Tensor& dy) {
      Tensor dx = Tensor::empty(shape, dy.dtype());
      detail::dispatch_float("max_pool2d_backward", dy.dtype(), [&]<class T>() {
        max_pool_2x2_backward(g, dy.data<T>(), codes_of(codes), dx.data<T>());
      });
      return Grads{dx};
    });
  }
  Tensor indices = Tensor::empty({g.n, g.c, g.oh, g.ow}, kInt64);
  const std::vector<Range> columns = column_ranges(g);
  detail::dispatch_float("max_pool2d", x.dtype(), [&]<class T>() {
    const int64_t in_plane = g.h * g.w, out_plane = g.plane();
    for_planes(g.n * g.c, in_plane, [&](int64_t first, int64_t last) {
    for (int64_t nc = first; nc < last; ++nc) {
      const T* px = x.data<T>() + nc * in_plane;
      for (int64_t oh = 0; oh < g.oh; ++oh) {
        const PoolRows rows = pool_rows(g, oh);
        T* best = y.data<T>() + nc * out_plane + oh * g.ow;
        int64_t* arg = indices.data<int64_t>() + nc * out_plane + oh * g.ow;
        for (int64_t ow = 0; ow < g.ow; ++ow) {
          best[ow] = -std::numeric_limits<T>::infinity();
          arg[ow] = rows.h0 * g.w + std::max<int64_t>(ow * g.sw - g.pw, 0);  // the window's first element
        }
        for (int64_t ih = rows.h0; ih < rows.h1; ++ih) {
          const T* in = px + ih * g.w;
          for (int64_t kj = 0; kj < g.kw; ++kj) {
            // Locals, not g's or columns' fields: the int64 stores to arg could alias those.
            const int64_t lo = columns[kj].lo, hi = columns[kj].hi, sw = g.sw, offset = kj - g.pw;
            const int64_t base = ih * g.w + offset;
            for (int64_t ow = lo; ow < hi; ++ow) {
              // As PyTorch's cpu_max_pool: strict > keeps the first maximum; a NaN always wins.
              const T v = in[ow * sw + offset], b = best[ow];
              const bool take = (v > b) | (v != v);
              best[ow] = take ? v : b;
              arg[ow] = take ? base + ow * sw : arg[ow];
            }
          }
        }
      }
    }
    });
  });
  return autograd::record("max_pool2d", y, {x}, [indices, shape = x.shape(), g](const Tensor& dy) {
    Tensor dx = zeros(shape, dy.dtype());
    detail::dispatch_float("max_pool2d_backward", dy.dtype(), [&]<class T>() {
      const int64_t in_plane = g.h * g.w, out_plane = g.plane();
      const T* pdy = dy.data<T>();
      const int64_t* pi = indices.data<int64_t>();
      T* pdx = dx.data<T>();
      for_planes(g.n * g.c, in_plane, [&](int64_t first, int64_t last) {
        for (int64_t nc = first; nc < last; ++nc) {
          for (int64_t k = 0; k < out_plane; ++k) pdx[nc * in_plane + pi[nc * out_plane + k]] += pdy[nc * out_plane + k];
        }
      });
    });
    return Grads{dx};
  });
}

namespace {

// 1 / divisor of each output column of avg_pool2d for a window of pool_h rows: the window clipped
// to the padded input, padding counted (PyTorch's count_include_pad=True).
template <class T>
void avg_scales(const Geometry& g, int64_t pool_h, T* scale) {
  for (int64_t ow = 0; ow < g.ow; ++ow) {
    const int64_t start = ow * g.sw - g.pw, end = std::min(start + g.kw, g.w + g.pw);
    scale[ow] = T(1) / static_cast<T>(pool_h * (end - start));
  }
}

}  // namespace

// y = mean over each window (padding counted as zeros).
// x: (N, C, H, W) -> y: (N, C, OH, OW)
Tensor avg_pool2d(const Tensor& x, Size2 kernel_size, std::optional<Size2> stride, Size2 padding) {
  const Geometry g = pool_geometry("avg_pool2d", x, kernel_size, stride, padding);
  Tensor y = Tensor::empty({g.n, g.c, g.oh, g.ow}, x.dtype());
  const std::vector<Range> columns = column_ranges(g);
  detail::dispatch_float("avg_pool2d", x.dtype(), [&]<class T>() {
    const int64_t in_plane = g.h * g.w, out_plane = g.plane();
    std::vector<T> scale(g.ow);
    for (int64_t nc = 0; nc < g.n * g.c; ++nc) {
      const T* px = x.data<T>() + nc * in_plane;
      for (int64_t oh = 0; oh < g.oh; ++oh) {
        const PoolRows rows = pool_rows(g, oh);
        T* out = y.data<T>() + nc * out_plane + oh * g.ow;
        std::fill(out, out + g.ow, T(0));
        for (int64_t ih = rows.h0; ih < rows.h1; ++ih) {
          const T* in = px + ih * g.w;
          for (int64_t kj = 0; kj < g.kw; ++kj) {
            const int64_t offset = kj - g.pw;
            for (int64_t ow = columns[kj].lo; ow < columns[kj].hi; ++ow) out[ow] += in[ow * g.sw + offset];
          }
        }
        avg_scales(g, rows.pool_h, scale.data());
        for (int64_t ow = 0; ow < g.ow; ++ow) out[ow] *= scale[ow];
      }
    }
  });
  return autograd::record("avg_pool2d", y, {x}, [shape = x.shape(), g, columns](const Tensor& dy) {
    Tensor dx = zeros(shape, dy.dtype());
    detail::dispatch_float("avg_pool2d_backward", dy.dtype(), [&]<class T>() {
      const int64_t in_plane = g.h * g.w, out_plane = g.plane();
      std::vector<T> share(g.ow);
      for (int64_t nc = 0; nc < g.n * g.c; ++nc) {
        T* pdx = dx.data<T>() + nc * in_plane;
        for (int64_t oh = 0; oh < g.oh; ++oh) {
          const PoolRows rows = pool_rows(g, oh);
          const T* pdy = dy.data<T>() + nc * out_plane + oh * g.ow;
          avg_scales(g, rows.pool_h, share.data());
          for (int64_t ow = 0; ow < g.ow; ++ow) share[ow] *= pdy[ow];
          for (int64_t ih = rows.h0; ih < rows.h1; ++ih) {
            T* in = pdx + ih * g.w;
            for (int64_t kj = 0; kj < g.kw; ++kj) {
              const int64_t offset = kj - g.pw;
              for (int64_t ow = columns[kj].lo; ow < columns[kj].hi; ++ow) in[ow * g.sw + offset] += share[ow];
            }
          }
        }
      }
    });
    return Grads{dx};
  });
}

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

// max_pool2d and avg_pool2d over NCHW tensors, one output row at a time, with a two-pass kernel for
// the common 2x2 window of stride 2 (max_pool2d). The window checks and sizes are conv2d's
// (window.h).
#include "minidl/ops/pool.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "dispatch.h"
#include "minidl/autograd/node.h"
#include "thread_pool.h"
#include "window.h"

namespace minidl {

using autograd::Grads;
using detail::check_4d, detail::check_window, detail::Geometry, detail::pair_string;  // window.h
using detail::Range, detail::valid_range, detail::window_geometry;

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

}  // namespace minidl

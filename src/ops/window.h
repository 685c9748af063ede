// Internal: what conv2d (ops/conv.cpp) and the pooling ops (ops/pool.cpp) share: the sizes of
// one call over an NCHW input, the checks of kernel_size, stride and padding, and the range of
// outputs whose window reads a given input row or column.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include "dispatch.h"
#include "minidl/tensor.h"

namespace minidl::detail {

inline std::string pair_string(int64_t a, int64_t b) { return to_string(Size2(a, b)); }
inline std::string pair_string(Size2 s) { return to_string(s); }

// The sizes of one conv or pool call. c is the input's channels; oc the output's (conv only).
struct Geometry {
  int64_t n, c, h, w;
  int64_t kh, kw, sh, sw, ph, pw;
  int64_t oh = 0, ow = 0;
  int64_t oc = 0;
  int64_t rows() const { return c * kh * kw; }  // im2col rows
  int64_t plane() const { return oh * ow; }
};

inline void check_window(const char* op, Size2 kernel_size, Size2 stride, Size2 padding) {
  if (kernel_size.h < 1 || kernel_size.w < 1 || stride.h < 1 || stride.w < 1 || padding.h < 0 || padding.w < 0) {
    throw ValueError(std::string(op) + ": kernel_size and stride must be >= 1 and padding >= 0, got kernel_size " +
                     pair_string(kernel_size) + ", stride " + pair_string(stride) + ", padding " +
                     pair_string(padding));
  }
}

// Fills the output size; the kernel must fit in the padded input.
inline Geometry window_geometry(const char* op, const Tensor& x, Size2 kernel_size, Size2 stride, Size2 padding) {
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

inline void check_4d(const char* op, const Tensor& x) {
  detail::check_defined(op, x);
  if (x.dim() != 4) {
    throw ShapeError(std::string(op) + ": expected a 4-D input (N, C, H, W), got shape " + to_string(x.shape()));
  }
}

// The outputs o in [lo, hi) (of `out`) that read input index o*s - p + k inside [0, size).
struct Range {
  int64_t lo, hi;
};
inline Range valid_range(int64_t out, int64_t size, int64_t s, int64_t p, int64_t k) {
  int64_t lo = p > k ? (p - k + s - 1) / s : 0;
  int64_t top = size - 1 + p - k;  // the largest o*s allowed
  int64_t hi = top >= 0 ? top / s + 1 : 0;
  lo = std::min(lo, out);
  return {lo, std::clamp(hi, lo, out)};
}

}  // namespace minidl::detail

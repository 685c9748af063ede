// 2-D convolution on NCHW tensors (im2col + one BLAS GEMM per batch, or oneDNN for float32).
#pragma once

#include "minidl/tensor.h"

namespace minidl {

// Cross-correlation, as PyTorch's conv2d (zero padding; no groups or dilation).
// x: (N, C, H, W), w: (OC, C, KH, KW), b: (OC) or undefined -> y: (N, OC, OH, OW),
// OH = (H + 2 padding.h - KH) / stride.h + 1, and likewise OW.
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b = Tensor(), Size2 stride = 1, Size2 padding = 0);

}  // namespace minidl

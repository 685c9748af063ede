// Image ops on NCHW tensors: 2-D convolution (im2col + one BLAS GEMM per batch), max and average
// pooling, and batch normalisation (channel dim 1, statistics over every other dim).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "minidl/tensor.h"

namespace minidl {

// (height, width) of a kernel, stride or padding. An integer gives both, as PyTorch's _pair:
// conv2d(x, w, b, 2, {1, 0}) is stride (2, 2), padding (1, 0).
struct Size2 {
  int64_t h = 0, w = 0;
  Size2(int64_t v) : h(v), w(v) {}  // NOLINT: implicit, like PyTorch's int-or-tuple arguments
  Size2(int64_t h, int64_t w) : h(h), w(w) {}
  bool operator==(const Size2&) const = default;
};
std::string to_string(Size2 s);  // "(5, 5)", as PyTorch prints a pair

// Cross-correlation, as PyTorch's conv2d (zero padding; no groups or dilation).
// x: (N, C, H, W), w: (OC, C, KH, KW), b: (OC) or undefined -> y: (N, OC, OH, OW),
// OH = (H + 2 padding.h - KH) / stride.h + 1, and likewise OW.
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b = Tensor(), Size2 stride = 1, Size2 padding = 0);

// x: (N, C, H, W) -> y: (N, C, OH, OW), OH = (H + 2 padding.h - kernel_size.h) / stride.h + 1.
// stride defaults to kernel_size; padding (implicit -inf) is at most half the kernel, as PyTorch.
// The gradient goes to the first maximum of each window in row-major order on ties (PyTorch CPU).
Tensor max_pool2d(const Tensor& x, Size2 kernel_size, std::optional<Size2> stride = std::nullopt, Size2 padding = 0);

// Window means, padding counted as zeros in the divisor (PyTorch's count_include_pad=True).
// x: (N, C, H, W) -> y: (N, C, OH, OW), sizes as max_pool2d.
Tensor avg_pool2d(const Tensor& x, Size2 kernel_size, std::optional<Size2> stride = std::nullopt, Size2 padding = 0);

// y = (x - mean) / sqrt(var + eps) * weight + bias, per channel (dim 1).
// x: (N, C), (N, C, L) or (N, C, H, W); running_mean, running_var, weight, bias: (C) or undefined.
// training: mean and biased var of the batch (over every dim but 1) normalise x, and the running
// statistics (when defined) are updated in place, not recorded: r = (1 - momentum) r + momentum s,
// with the unbiased variance for running_var (PyTorch). Not training: the running statistics
// normalise x; if they are undefined, the batch statistics are used (PyTorch).
// Differentiable in x, weight and bias; in training mode the gradient flows through the batch
// statistics.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum = 0.1, double eps = 1e-5);

}  // namespace minidl

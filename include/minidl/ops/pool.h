// Max and average pooling on NCHW tensors.
#pragma once

#include <optional>

#include "minidl/tensor.h"

namespace minidl {

// x: (N, C, H, W) -> y: (N, C, OH, OW), OH = (H + 2 padding.h - kernel_size.h) / stride.h + 1.
// stride defaults to kernel_size; padding (implicit -inf) is at most half the kernel, as PyTorch.
// The gradient goes to the first maximum of each window in row-major order on ties (PyTorch CPU).
Tensor max_pool2d(const Tensor& x, Size2 kernel_size, std::optional<Size2> stride = std::nullopt, Size2 padding = 0);

// Window means, padding counted as zeros in the divisor (PyTorch's count_include_pad=True).
// x: (N, C, H, W) -> y: (N, C, OH, OW), sizes as max_pool2d.
Tensor avg_pool2d(const Tensor& x, Size2 kernel_size, std::optional<Size2> stride = std::nullopt, Size2 padding = 0);

}  // namespace minidl

// Batch normalisation: channel dim 1, statistics over every other dim.
#pragma once

#include "minidl/tensor.h"

namespace minidl {

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

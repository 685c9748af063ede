// nn::utils: gradient clipping over a parameter list (what optimizers take), as PyTorch's
// torch.nn.utils.clip_grad_norm_ / clip_grad_value_. Parameters without a gradient are skipped.
#pragma once

#include <vector>

#include "minidl/tensor.h"

namespace minidl::nn::utils {

// Scales all gradients by max_norm / (total_norm + 1e-6) when that is below 1, where total_norm
// is the norm_type-norm of all gradients together (norm_type = INFINITY for the max-norm).
// Returns total_norm. With error_if_nonfinite, a nan or inf total norm is a ValueError and no
// gradient is changed.
double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);
// Clamps every gradient element to [-clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value);

}  // namespace minidl::nn::utils

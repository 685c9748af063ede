// Internal: the parameters of LBFGS and BFGS seen as one flat float64 vector (PyTorch's
// _gather_flat_grad, _add_grad, _clone_param, _set_param).
#pragma once

#include <vector>

#include "minidl/tensor.h"

namespace minidl::optim::detail {

int64_t total_numel(const std::vector<Tensor>& params);
// All gradients, concatenated; zeros for a parameter without a gradient.
std::vector<double> gather_flat_grad(const std::vector<Tensor>& params);
std::vector<double> gather_flat_params(const std::vector<Tensor>& params);
void set_flat_params(const std::vector<Tensor>& params, const std::vector<double>& x);
// p += t d, parameter by parameter (in the parameter's dtype, as PyTorch's p.add_(d, alpha=t)).
void add_to_params(const std::vector<Tensor>& params, double t, const std::vector<double>& d);

}  // namespace minidl::optim::detail

// Internal: the iteration loop shared by LBFGS and BFGS, which is PyTorch 1.13's LBFGS.step with
// the search direction left to the caller (two-loop recursion, or a dense inverse Hessian).
#pragma once

#include <functional>
#include <vector>

#include "minidl/optim/lbfgs.h"
#include "minidl/tensor.h"

namespace minidl::optim::detail {

struct QuasiNewtonSettings {
  double lr;
  int64_t max_iter, max_eval;
  double tolerance_grad, tolerance_change;
  bool strong_wolfe;
  double c1 = 1e-4, c2 = 0.9;
};

// direction(flat_grad): sets state.d; on the first iteration (state.n_iter == 1) to -flat_grad,
// later from the curvature pair s = t d, y = flat_grad - prev_flat_grad of the previous iteration.
Tensor quasi_newton_step(const std::vector<Tensor>& params, const std::function<Tensor()>& closure,
                         const QuasiNewtonSettings& settings, QuasiNewtonState& state,
                         const std::function<void(const std::vector<double>& flat_grad)>& direction);

double dot(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace minidl::optim::detail

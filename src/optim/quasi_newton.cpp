// The LBFGS/BFGS outer loop, in the order of torch/optim/lbfgs.py (1.13), including its stopping
// tests, so minidl's LBFGS follows PyTorch's trajectory.
#include "quasi_newton.h"

#include <algorithm>
#include <cmath>

#include "flat.h"
#include "minidl/optim/line_search.h"

namespace minidl::optim::detail {

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

namespace {

double max_abs(const std::vector<double>& v, double scale = 1) {
  double m = 0;
  for (double x : v) m = std::max(m, std::fabs(x * scale));
  return m;
}

}  // namespace

Tensor quasi_newton_step(const std::vector<Tensor>& params, const std::function<Tensor()>& closure,
                         const QuasiNewtonSettings& o, QuasiNewtonState& state,
                         const std::function<void(const std::vector<double>& flat_grad)>& direction) {
  Tensor orig_loss = closure();
  double loss = orig_loss.item();
  int64_t current_evals = 1;
  state.func_evals += 1;
  std::vector<double> flat_grad = gather_flat_grad(params);
  bool opt_cond = max_abs(flat_grad) <= o.tolerance_grad;
  if (opt_cond) return orig_loss;

  int64_t n_iter = 0;
  while (n_iter < o.max_iter) {
    n_iter += 1;
    state.n_iter += 1;
    direction(flat_grad);
    state.prev_flat_grad = flat_grad;
    state.prev_loss = loss;

    // Step length: the first step ever is scaled by the gradient's L1 norm.
    if (state.n_iter == 1) {
      double l1 = 0;
      for (double g : flat_grad) l1 += std::fabs(g);
      state.t = std::min(1., 1. / l1) * o.lr;
    } else {
      state.t = o.lr;
    }
    double gtd = dot(flat_grad, state.d);
    if (gtd > -o.tolerance_change) break;  // not a descent direction (to tolerance)

    int64_t ls_func_evals = 0;
    if (o.strong_wolfe) {
      std::vector<double> x_init = gather_flat_params(params);
      auto obj = [&](double t) {
        add_to_params(params, t, state.d);
        double f = closure().item();
        std::vector<double> g = gather_flat_grad(params);
        set_flat_params(params, x_init);
        return std::make_pair(f, std::move(g));
      };
      LineSearchResult r = strong_wolfe(obj, state.t, state.d, loss, flat_grad, gtd, o.c1, o.c2);
      loss = r.f;
      flat_grad = std::move(r.g);
      state.t = r.t;
      ls_func_evals = r.evals;
      add_to_params(params, state.t, state.d);
      opt_cond = max_abs(flat_grad) <= o.tolerance_grad;
    } else {
      add_to_params(params, state.t, state.d);
      if (n_iter != o.max_iter) {
        // Re-evaluate only if another iteration follows (in a stochastic setting the last
        // evaluation would be wasted).
        loss = closure().item();
        flat_grad = gather_flat_grad(params);
        opt_cond = max_abs(flat_grad) <= o.tolerance_grad;
        ls_func_evals = 1;
      }
    }
    current_evals += ls_func_evals;
    state.func_evals += ls_func_evals;

    if (n_iter == o.max_iter) break;
    if (current_evals >= o.max_eval) break;
    if (opt_cond) break;
    if (max_abs(state.d, state.t) <= o.tolerance_change) break;  // lack of progress
    if (std::fabs(loss - state.prev_loss) < o.tolerance_change) break;
  }
  return orig_loss;
}

void throw_needs_closure(const char* name) {
  throw ValueError(std::string(name) + ": step() needs a closure that re-evaluates the loss: "
                   "opt.step([&] { opt.zero_grad(); Tensor loss = ...; loss.backward(); return loss; })");
}

void load_quasi_newton_state(const StateDict& dict, QuasiNewtonState& state) {
  state.func_evals = static_cast<int64_t>(dict.at("state.0.func_evals").item());
  state.n_iter = static_cast<int64_t>(dict.at("state.0.n_iter").item());
  if (state.n_iter > 0) {
    state.d = dict.at("state.0.d").to_vector();
    state.t = dict.at("state.0.t").item();
    state.prev_flat_grad = dict.at("state.0.prev_flat_grad").to_vector();
    state.prev_loss = dict.at("state.0.prev_loss").item();
  }
}

}  // namespace minidl::optim::detail

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

// The option checks LBFGS and BFGS share (each adds its own: history_size; c1, c2, curvature_eps).
template <class Options>
void check_quasi_newton_options(const char* name, const Options& o) {
  require(o.lr >= 0, name, "lr", ">= 0", o.lr);
  require(o.max_iter >= 1, name, "max_iter", ">= 1", static_cast<double>(o.max_iter));
  require(o.max_eval >= 0, name, "max_eval", ">= 1 (or 0 for max_iter * 5 / 4)", static_cast<double>(o.max_eval));
  require(o.tolerance_grad >= 0, name, "tolerance_grad", ">= 0", o.tolerance_grad);
  require(o.tolerance_change >= 0, name, "tolerance_change", ">= 0", o.tolerance_change);
  int64_t ls = static_cast<int64_t>(o.line_search_fn);
  require(ls == 0 || ls == 1, name, "line_search_fn", "none or strong_wolfe", static_cast<double>(ls));
}

// The state both keep, "state.0.*" of PyTorch's LBFGS: expect_quasi_newton_state checks its keys
// with expect(key, dtype, shape) (from Optimizer::load_own_state) and returns n_iter (the
// iteration keys exist only past the first); load_quasi_newton_state reads them once every key
// has been checked.
template <class Expect>
int64_t expect_quasi_newton_state(Expect&& expect, int64_t n) {
  expect("state.0.func_evals", kInt64, {});
  const int64_t n_iter = static_cast<int64_t>(expect("state.0.n_iter", kInt64, {}).item());
  if (n_iter > 0) {
    expect("state.0.d", kFloat64, {n});
    expect("state.0.t", kFloat64, {});
    expect("state.0.prev_flat_grad", kFloat64, {n});
    expect("state.0.prev_loss", kFloat64, {});
  }
  return n_iter;
}
void load_quasi_newton_state(const StateDict& dict, QuasiNewtonState& state);

// state_dict's "state.0.*" of LBFGS and BFGS, in the order of PyTorch's LBFGS: the state both
// keep, with the method's own entries (own(out), only past the first iteration) after
// "state.0.t".
template <class Own>
void save_quasi_newton_state(const QuasiNewtonState& state, StateDict& out, Own&& own) {
  out.insert("state.0.func_evals", scalar_tensor(static_cast<double>(state.func_evals), kInt64));
  out.insert("state.0.n_iter", scalar_tensor(static_cast<double>(state.n_iter), kInt64));
  if (state.n_iter == 0) return;
  const int64_t n = static_cast<int64_t>(state.d.size());
  out.insert("state.0.d", tensor(state.d, {n}, kFloat64));
  out.insert("state.0.t", scalar_tensor(state.t, kFloat64));
  own(out);
  out.insert("state.0.prev_flat_grad", tensor(state.prev_flat_grad, {n}, kFloat64));
  out.insert("state.0.prev_loss", scalar_tensor(state.prev_loss, kFloat64));
}

// LBFGS's and BFGS's load_state_dict, through their Optimizer::load_own_state (passed in as
// `load_own_state(dict, check, load)`): the state both keep, then, only past the first iteration,
// the method's own keys (check_more(expect, n) with n the parameters' total size) and values
// (load_more()). reset() runs before anything is loaded.
template <class LoadOwnState, class Reset, class CheckMore, class LoadMore>
void load_quasi_newton(LoadOwnState&& load_own_state, const StateDict& dict, int64_t n, QuasiNewtonState& state,
                       Reset&& reset, CheckMore&& check_more, LoadMore&& load_more) {
  int64_t n_iter = 0;
  load_own_state(
      dict,
      [&](auto&& expect) {
        n_iter = expect_quasi_newton_state(expect, n);
        if (n_iter > 0) check_more(expect, n);
      },
      [&] {
        reset();
        load_quasi_newton_state(dict, state);
        if (n_iter > 0) load_more();
      });
}

// step() without a closure: "<name>: step() needs a closure that re-evaluates the loss: ...".
[[noreturn]] void throw_needs_closure(const char* name);

}  // namespace minidl::optim::detail

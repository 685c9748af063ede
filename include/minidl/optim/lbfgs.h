// L-BFGS, as torch.optim.LBFGS (1.13; after minFunc): each step(closure) runs up to max_iter
// iterations of the two-loop recursion over the last history_size curvature pairs, with a fixed
// step lr or a strong-Wolfe line search. One parameter group only, as PyTorch.
//   opt.step([&] { opt.zero_grad(); Tensor loss = f(); loss.backward(); return loss; });
#pragma once

#include "minidl/optim/optimizer.h"

namespace minidl::optim {

enum class LineSearch : int64_t { none = 0, strong_wolfe = 1 };

namespace detail {
// What LBFGS and BFGS keep between steps (PyTorch keeps it as the state of the first parameter).
struct QuasiNewtonState {
  int64_t func_evals = 0, n_iter = 0;  // n_iter > 0: d, t, prev_flat_grad, prev_loss are set
  std::vector<double> d, prev_flat_grad;
  double t = 0, prev_loss = 0;
};
}  // namespace detail

struct LBFGSOptions {
  double lr = 1;
  int64_t max_iter = 20;
  int64_t max_eval = 0;  // 0 means max_iter * 5 / 4 (PyTorch's None); stored resolved
  double tolerance_grad = 1e-7;
  double tolerance_change = 1e-9;
  int64_t history_size = 100;
  LineSearch line_search_fn = LineSearch::none;

  template <class V> void visit(V&& v) {
    v("lr", lr);
    v("max_iter", max_iter);
    v("max_eval", max_eval);
    v("tolerance_grad", tolerance_grad);
    v("tolerance_change", tolerance_change);
    v("history_size", history_size);
    v("line_search_fn", line_search_fn);
  }
};

class LBFGS : public OptimizerOf<LBFGSOptions> {
 public:
  using Options = LBFGSOptions;
  LBFGS(std::vector<Tensor> params, Options options = {});

  // Returns the loss of the first closure call (at the parameters before the step).
  Tensor step(const Closure& closure) override;
  void step() override;  // throws: LBFGS re-evaluates the loss, so it needs a closure
  void reset() override;

  // The PyTorch state of parameter 0: "state.0.func_evals", "n_iter", and once a step ran "d",
  // "t", "old_dirs" (k, n), "old_stps" (k, n), "ro" (k), "H_diag", "prev_flat_grad", "prev_loss".
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& dict) override;

  int64_t func_evals() const { return state_.func_evals; }
  int64_t n_iter() const { return state_.n_iter; }

 private:
  struct History {
    std::vector<std::vector<double>> old_dirs, old_stps;  // y and s pairs, oldest first
    std::vector<double> ro;                               // 1 / (y . s)
    double H_diag = 1;
  };
  static void validate(const Options& o);
  Slots state_slots() override { return {}; }
  void direction(const std::vector<double>& flat_grad);

  detail::QuasiNewtonState state_;
  History history_;
};

}  // namespace minidl::optim

// Dense BFGS for small models (report 003's optimizer, with the standard update): all parameters
// form one vector x of n values and the n x n inverse-Hessian approximation H gives the direction
// d = -H g. After each iteration, with s = x' - x and y = g' - g:
//   H' = (I - rho s y^T) H (I - rho y s^T) + rho s s^T,   rho = 1 / (y^T s)   (Nocedal & Wright 6.17)
// skipped when y^T s <= curvature_eps (H would lose positive definiteness). H starts as I and is
// rescaled to (y^T s / y^T y) I just before the first update (Nocedal & Wright 6.20). The step
// loop, step lengths and stopping tests are LBFGS's (fixed step lr, or the strong-Wolfe search).
// Memory and time per iteration are O(n^2): for networks of a few thousand parameters.
#pragma once

#include "minidl/optim/lbfgs.h"

namespace minidl::optim {

struct BFGSOptions {
  double lr = 1;
  int64_t max_iter = 1;  // iterations per step(closure)
  int64_t max_eval = 0;  // 0 means max_iter * 5 / 4 (at least 1 evaluation)
  double tolerance_grad = 1e-7;
  double tolerance_change = 1e-9;
  LineSearch line_search_fn = LineSearch::none;
  double c1 = 1e-4;  // strong-Wolfe sufficient decrease
  double c2 = 0.9;   // strong-Wolfe curvature; near 0 makes the search close to exact
  double curvature_eps = 1e-10;

  template <class V> void visit(V&& v) {
    v("lr", lr);
    v("max_iter", max_iter);
    v("max_eval", max_eval);
    v("tolerance_grad", tolerance_grad);
    v("tolerance_change", tolerance_change);
    v("line_search_fn", line_search_fn);
    v("c1", c1);
    v("c2", c2);
    v("curvature_eps", curvature_eps);
  }
};

// The BFGS update of the inverse Hessian H (n x n, row-major, symmetric) in O(n^2). Returns false
// and leaves H unchanged when y^T s <= eps. Afterwards H' y = s (the secant condition).
bool bfgs_update(std::vector<double>& H, const std::vector<double>& s, const std::vector<double>& y,
                 double eps = 1e-10);

class BFGS : public OptimizerOf<BFGSOptions> {
 public:
  using Options = BFGSOptions;
  BFGS(std::vector<Tensor> params, Options options = {});

  Tensor step(const Closure& closure) override;
  void step() override;  // throws: BFGS needs a closure
  void reset() override;

  // "state.0.func_evals", "n_iter", and once a step ran "d", "t", "prev_flat_grad", "prev_loss",
  // "inverse_hessian" (n, n) and "updates" (the number of BFGS updates made).
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& dict) override;

  // H, row-major (n x n); empty before the first step.
  const std::vector<double>& inverse_hessian() const { return H_; }
  int64_t updates() const { return updates_; }

 private:
  static void validate(const Options& o);
  Slots state_slots() override { return {}; }
  void direction(const std::vector<double>& flat_grad);

  detail::QuasiNewtonState state_;
  std::vector<double> H_;
  int64_t updates_ = 0;
};

}  // namespace minidl::optim

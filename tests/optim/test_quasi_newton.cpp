// The loop LBFGS and BFGS share (PyTorch's LBFGS.step with the direction left to the caller), and
// the option checks they share.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "minidl/minidl.h"
#include "optim/quasi_newton.h"

namespace minidl::optim::detail {
namespace {

using ::testing::HasSubstr;

// Steepest descent with a fixed step on f(x) = sum((x - 1)^2) / 2, from x = 3 (g = 2 per
// coordinate): the first step is scaled by 1 / |g|_1 (t = 0.5 / 4, x = 2.75), the next two take
// t = lr (x = 1.875, then 1.4375). The loss returned is the first evaluation's; the last iteration
// is not re-evaluated, so there are 3 evaluations.
TEST(QuasiNewton, RunsTheCallersDirectionWithAFixedStep) {
  Tensor x = full({2}, 3.0, kFloat64).requires_grad_();
  auto closure = [&] {
    x.set_grad(Tensor());
    Tensor loss = ((x - 1.0) * (x - 1.0)).sum() * 0.5;
    loss.backward();
    return loss;
  };
  QuasiNewtonState state;
  QuasiNewtonSettings settings{.lr = 0.5, .max_iter = 3, .max_eval = 10, .tolerance_grad = 1e-12,
                               .tolerance_change = 1e-12, .strong_wolfe = false};
  Tensor loss = quasi_newton_step({x}, closure, settings, state, [&](const std::vector<double>& g) {
    state.d.assign(g.size(), 0.0);
    for (size_t i = 0; i < g.size(); ++i) state.d[i] = -g[i];
  });
  EXPECT_EQ(loss.item(), 4.0);  // (3 - 1)^2 / 2 * 2 coordinates
  EXPECT_EQ(x.to_vector(), (std::vector<double>{1.4375, 1.4375}));
  EXPECT_EQ(state.n_iter, 3);
  EXPECT_EQ(state.func_evals, 3);
}

struct Options {
  double lr = 1;
  int64_t max_iter = 1, max_eval = 0;
  double tolerance_grad = 0, tolerance_change = 0;
  LineSearch line_search_fn = LineSearch::none;
};

std::string error_of(const Options& o) {
  try {
    check_quasi_newton_options("QN", o);
  } catch (const ValueError& e) {
    return e.what();
  }
  return "no error";
}

TEST(QuasiNewton, OneOptionCheckForBothMethods) {
  EXPECT_EQ(error_of({}), "no error");
  EXPECT_THAT(error_of({.lr = -1}), HasSubstr("QN: lr must be >= 0, got -1"));
  EXPECT_THAT(error_of({.max_iter = 0}), HasSubstr("QN: max_iter must be >= 1, got 0"));
  EXPECT_THAT(error_of({.max_eval = -1}), HasSubstr("QN: max_eval must be >= 1 (or 0 for max_iter * 5 / 4)"));
  EXPECT_THAT(error_of({.tolerance_change = -1}), HasSubstr("QN: tolerance_change must be >= 0"));
  EXPECT_THAT(error_of({.line_search_fn = static_cast<LineSearch>(2)}),
              HasSubstr("QN: line_search_fn must be none or strong_wolfe, got 2"));
  try {
    throw_needs_closure("QN");
  } catch (const ValueError& e) {
    EXPECT_THAT(e.what(), HasSubstr("QN: step() needs a closure that re-evaluates the loss"));
  }
}

}  // namespace
}  // namespace minidl::optim::detail

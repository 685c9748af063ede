// LBFGS against PyTorch's trajectories with a fixed step and with the strong-Wolfe line search,
// its closure requirement and its errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "optim/problem.h"

using namespace minidl;
using minidl::testing::expect_matches_pytorch;
using ::testing::HasSubstr;

TEST(LBFGS, MatchesPyTorchFixedStep) {
  expect_matches_pytorch("lbfgs", [](auto ps) {
    return std::make_unique<optim::LBFGS>(ps, optim::LBFGSOptions{.lr = 0.5, .max_iter = 3, .history_size = 4});
  });
}

TEST(LBFGS, MatchesPyTorchStrongWolfe) {
  expect_matches_pytorch("lbfgs_strong_wolfe", [](auto ps) {
    return std::make_unique<optim::LBFGS>(
        ps, optim::LBFGSOptions{.lr = 1, .max_iter = 3, .history_size = 4,
                                .line_search_fn = optim::LineSearch::strong_wolfe});
  });
}

TEST(LBFGS, DefaultMaxEvalIsPyTorchs) {
  Tensor w = ones({2}).requires_grad_();
  optim::LBFGS opt({w}, {.max_iter = 7});
  EXPECT_EQ(opt.options().max_eval, 8);
}

TEST(LBFGS, StepWithoutClosureIsAnError) {
  Tensor w = ones({2}).requires_grad_();
  optim::LBFGS opt({w});
  try {
    opt.step();
    FAIL() << "no error";
  } catch (const ValueError& e) {
    EXPECT_THAT(e.what(), HasSubstr("LBFGS: step() needs a closure"));
  }
}

TEST(LBFGS, RejectsBadOptions) {
  Tensor w = ones({2}).requires_grad_();
  auto message = [&](optim::LBFGSOptions o) {
    try {
      optim::LBFGS opt({w}, o);
    } catch (const ValueError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(message({.lr = -1}), HasSubstr("LBFGS: lr must be >= 0, got -1"));
  EXPECT_THAT(message({.max_iter = 0}), HasSubstr("LBFGS: max_iter must be >= 1, got 0"));
  EXPECT_THAT(message({.history_size = 0}), HasSubstr("LBFGS: history_size must be >= 1, got 0"));
  EXPECT_THAT(message({.tolerance_grad = -1}), HasSubstr("LBFGS: tolerance_grad must be >= 0, got -1"));
}

// The line search alone on a 1-D quadratic along d: the cubic through two points with slopes is
// exact on a quadratic, so the search lands on the minimum's neighbourhood and satisfies Wolfe.
TEST(StrongWolfe, SatisfiesTheStrongWolfeConditions) {
  // f(x) = (x - 3)^2 from x = 0 along d = 1: f(t) = (t - 3)^2, f'(t) = 2 (t - 3).
  auto obj = [](double t) { return std::make_pair((t - 3) * (t - 3), std::vector<double>{2 * (t - 3)}); };
  optim::LineSearchResult r = optim::strong_wolfe(obj, 1.0, {1.0}, 9.0, {-6.0}, -6.0);
  double gtd_new = 2 * (r.t - 3);
  EXPECT_LE(r.f, 9.0 + 1e-4 * r.t * -6.0);
  EXPECT_LE(std::fabs(gtd_new), 0.9 * 6.0);
  EXPECT_EQ(r.f, (r.t - 3) * (r.t - 3));
}

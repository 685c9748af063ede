// strong_wolfe alone: the Wolfe conditions on a quadratic, and PyTorch's _strong_wolfe through
// every branch (tests/golden/optim_line_search.json).
#include <gtest/gtest.h>

#include <cmath>

#include "optim/problem.h"

using namespace minidl;

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

// PyTorch's _strong_wolfe on f(x) = sin 3x + x^2 / 10 + cos(7x) / 2 along -f'(x0), from x0 and
// initial steps that make it extrapolate, bracket, and zoom through every branch: the same accepted
// t, f, f' and number of evaluations.
TEST(StrongWolfe, MatchesPyTorchThroughEveryBranch) {
  minidl::testing::Golden golden("optim_line_search.json");
  auto f = [](double x) {
    return std::make_pair(std::sin(3 * x) + 0.1 * x * x + 0.5 * std::cos(7 * x),
                          std::vector<double>{3 * std::cos(3 * x) + 0.2 * x - 3.5 * std::sin(7 * x)});
  };
  std::vector<double> x0 = golden.tensor("x0").to_vector(), t0 = golden.tensor("t0").to_vector(),
                      t = golden.tensor("t").to_vector(), fx = golden.tensor("f").to_vector(),
                      g = golden.tensor("g").to_vector(), evals = golden.tensor("evals").to_vector();
  auto close = [](double a, double b) { return std::fabs(a - b) <= 1e-10 + 1e-7 * std::fabs(b); };
  for (size_t i = 0; i < t0.size(); ++i) {
    auto [f0, g0] = f(x0[i]);
    std::vector<double> d = {-g0[0]};
    auto obj = [&](double step) { return f(x0[i] + step * d[0]); };
    optim::LineSearchResult r = optim::strong_wolfe(obj, t0[i], d, f0, g0, g0[0] * d[0]);
    std::string which = "x0 = " + std::to_string(x0[i]) + ", t0 = " + std::to_string(t0[i]);
    EXPECT_TRUE(close(r.t, t[i])) << which << ": t " << r.t << " vs " << t[i];
    EXPECT_TRUE(close(r.f, fx[i])) << which;
    EXPECT_TRUE(close(r.g[0], g[i])) << which;
    EXPECT_EQ(r.evals, static_cast<int64_t>(evals[i])) << which;
  }
}

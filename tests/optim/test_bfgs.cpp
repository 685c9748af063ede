// Dense BFGS (no PyTorch class to compare with): the secant condition of its update, the n-step
// minimum of a quadratic with a (nearly) exact line search, Rosenbrock, and its errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "minidl/minidl.h"
#include "minidl/optim.h"

using namespace minidl;
using ::testing::HasSubstr;

namespace {

std::vector<double> matvec(const std::vector<double>& H, const std::vector<double>& v) {
  size_t n = v.size();
  std::vector<double> out(n, 0.0);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) out[i] += H[i * n + j] * v[j];
  return out;
}

// A random symmetric positive-definite matrix M M^T + I (float64, n x n).
Tensor spd(int64_t n, Generator& gen) {
  std::vector<double> m = randn({n, n}, gen, kFloat64).to_vector(), a(static_cast<size_t>(n * n));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double v = i == j ? 1.0 : 0.0;
      for (int64_t k = 0; k < n; ++k) v += m[i * n + k] * m[j * n + k];
      a[i * n + j] = v;
    }
  return tensor(a, {n, n}, kFloat64);
}

// f(x) = x^T A x / 2 - b^T x, minimised at A^-1 b.
struct Quadratic {
  Tensor A, b, x;
  Tensor loss() const { return sum(x * matmul(A, x)) * 0.5 - sum(b * x); }
};

}  // namespace

TEST(BFGS, UpdateSatisfiesTheSecantConditionAndStaysSymmetric) {
  Generator gen(3);
  const int64_t n = 6;
  std::vector<double> H = spd(n, gen).to_vector();
  std::vector<double> s = randn({n}, gen, kFloat64).to_vector();
  std::vector<double> y = s;
  for (double& v : y) v = 2 * v + 0.1 * gen.normal();  // y^T s > 0
  ASSERT_TRUE(optim::bfgs_update(H, s, y));
  std::vector<double> Hy = matvec(H, y);
  for (int64_t i = 0; i < n; ++i) EXPECT_NEAR(Hy[i], s[i], 1e-11 * (1 + std::fabs(s[i])));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) EXPECT_NEAR(H[i * n + j], H[j * n + i], 1e-12);
}

TEST(BFGS, UpdateIsSkippedWithoutPositiveCurvature) {
  std::vector<double> H = {1, 0, 0, 1}, before = H;
  EXPECT_FALSE(optim::bfgs_update(H, {1, 0}, {-1, 0}));
  EXPECT_FALSE(optim::bfgs_update(H, {1, 0}, {0, 1}));  // y^T s = 0
  EXPECT_EQ(H, before);
}

// With an exact line search BFGS minimises an n-dimensional quadratic in n iterations, and its
// updates are hereditary: H A s_j = s_j for every step s_j already used in an update (Nocedal &
// Wright, Thm 6.4 / 8.2). c2 near 0 makes the strong-Wolfe search exact here, because its cubic
// interpolation is exact on a quadratic.
TEST(BFGS, ReachesTheMinimumOfAQuadraticInNSteps) {
  Generator gen(11);
  const int64_t n = 5;
  Quadratic q{spd(n, gen), randn({n}, gen, kFloat64), randn({n}, gen, kFloat64).requires_grad_()};
  optim::BFGS opt({q.x}, {.line_search_fn = optim::LineSearch::strong_wolfe, .c1 = 1e-8, .c2 = 1e-6});
  auto closure = [&] {
    opt.zero_grad();
    Tensor l = q.loss();
    l.backward();
    return l;
  };
  std::vector<std::vector<double>> steps;
  for (int64_t k = 0; k < n; ++k) {
    std::vector<double> before = q.x.to_vector();
    opt.step(closure);
    std::vector<double> after = q.x.to_vector();
    for (int64_t i = 0; i < n; ++i) after[i] -= before[i];
    steps.push_back(after);
  }
  closure();
  for (double v : q.x.grad().to_vector()) EXPECT_NEAR(v, 0.0, 1e-9);  // A x - b = 0
  // The pair of step k enters H at step k + 1: after n steps, n - 1 updates.
  ASSERT_EQ(opt.updates(), n - 1);
  std::vector<double> A = q.A.to_vector(), H = opt.inverse_hessian();
  for (int64_t j = 0; j < n - 1; ++j) {
    std::vector<double> HAs = matvec(H, matvec(A, steps[j]));
    for (int64_t i = 0; i < n; ++i) EXPECT_NEAR(HAs[i], steps[j][i], 1e-8) << "step " << j;
  }
}

TEST(BFGS, FixedStepConvergesOnAQuadratic) {
  Generator gen(5);
  const int64_t n = 4;
  Quadratic q{spd(n, gen) * 0.1, randn({n}, gen, kFloat64), zeros({n}, kFloat64).requires_grad_()};
  optim::BFGS opt({q.x}, {.lr = 1, .max_iter = 60, .tolerance_grad = 1e-12, .tolerance_change = 0});
  opt.step([&] {
    opt.zero_grad();
    Tensor l = q.loss();
    l.backward();
    return l;
  });
  q.loss().backward();
  for (double v : q.x.grad().to_vector()) EXPECT_NEAR(v, 0.0, 1e-10);
}

TEST(BFGS, MinimisesRosenbrock) {
  Tensor x = tensor(std::vector<double>{-1.2, 1.0}, {2}, kFloat64).requires_grad_();
  optim::BFGS opt({x}, {.max_iter = 200, .max_eval = 1000, .tolerance_grad = 1e-10, .tolerance_change = 1e-14,
                        .line_search_fn = optim::LineSearch::strong_wolfe});
  auto rosenbrock = [&] {
    Tensor a = narrow(x, 0, 0, 1), b = narrow(x, 0, 1, 1);
    return sum(pow(1.0 - a, 2) + 100.0 * pow(b - pow(a, 2), 2));
  };
  opt.step([&] {
    opt.zero_grad();
    Tensor l = rosenbrock();
    l.backward();
    return l;
  });
  EXPECT_NEAR(x.at({0}), 1.0, 1e-6);
  EXPECT_NEAR(x.at({1}), 1.0, 1e-6);
  EXPECT_GT(opt.updates(), 10);
}

TEST(BFGS, RejectsBadOptionsAndStepWithoutClosure) {
  Tensor w = ones({2}).requires_grad_();
  auto message = [&](optim::BFGSOptions o) {
    try {
      optim::BFGS opt({w}, o);
    } catch (const ValueError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(message({.lr = -0.2}), HasSubstr("BFGS: lr must be >= 0, got -0.2"));
  EXPECT_THAT(message({.max_iter = 0}), HasSubstr("BFGS: max_iter must be >= 1, got 0"));
  EXPECT_THAT(message({.c1 = 0.5, .c2 = 0.4}), HasSubstr("BFGS: c2 must be in (c1, 1), got 0.4"));
  optim::BFGS opt({w});
  EXPECT_THROW(opt.step(), ValueError);
}

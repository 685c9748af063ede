// Elementwise ops: values, float64 gradchecks (with broadcasting and an input used twice),
// derivatives at kinks pinned to PyTorch's choices, and error messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "minidl/minidl.h"
#include "support/gradcheck.h"

namespace minidl {
namespace {

using ::testing::HasSubstr;
using testing::away_from_zero;
using testing::expect_gradients_match;
using Inputs = std::vector<Tensor>;

TEST(Elementwise, BroadcastValues) {
  Tensor a = tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {2, 3});
  Tensor row = tensor({10.0, 20.0, 30.0});
  Tensor col = tensor({100.0, 200.0}, {2, 1});
  EXPECT_EQ((a + row).to_vector(), (std::vector<double>{11, 22, 33, 14, 25, 36}));
  EXPECT_EQ((a + col).to_vector(), (std::vector<double>{101, 102, 103, 204, 205, 206}));
  EXPECT_EQ((row * col).shape(), Shape({2, 3}));
  EXPECT_EQ((row * col).to_vector(), (std::vector<double>{1000, 2000, 3000, 2000, 4000, 6000}));
  EXPECT_EQ((a - 1.0).to_vector(), (std::vector<double>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ((1.0 - a).at({0, 0}), 0.0);
  EXPECT_EQ((a / 2.0).at({1, 2}), 3.0);
  EXPECT_EQ((6.0 / a).at({1, 2}), 1.0);
  EXPECT_EQ(where(gt(a, 3.0), a, zeros({1})).to_vector(), (std::vector<double>{0, 0, 0, 4, 5, 6}));
  EXPECT_EQ(clamp(a, 2.0, 4.0).to_vector(), (std::vector<double>{2, 2, 3, 4, 4, 4}));
  // 3-D broadcast in the middle dim.
  Tensor c = ones({2, 1, 3}) * tensor({1.0, 2.0, 3.0, 4.0}, {4, 1});
  EXPECT_EQ(c.shape(), Shape({2, 4, 3}));
  EXPECT_EQ(c.at({1, 3, 2}), 4.0);
}

TEST(Elementwise, BinaryGradientsMatchFiniteDifferences) {
  Generator gen(0);
  auto pos = [&](const Shape& s) { return uniform(s, 0.5, 2.0, gen, kFloat64); };
  for (auto [sa, sb] : std::vector<std::pair<Shape, Shape>>{
           {{3, 4}, {3, 4}}, {{3, 4}, {4}}, {{3, 1}, {1, 4}}, {{2, 3, 4}, {3, 1}}, {{3, 4}, {}}, {{}, {2, 2}}}) {
    SCOPED_TRACE(to_string(sa) + " with " + to_string(sb));
    expect_gradients_match([](const Inputs& in) { return in[0] + in[1]; }, {pos(sa), pos(sb)});
    expect_gradients_match([](const Inputs& in) { return in[0] - in[1]; }, {pos(sa), pos(sb)});
    expect_gradients_match([](const Inputs& in) { return in[0] * in[1]; }, {pos(sa), pos(sb)});
    expect_gradients_match([](const Inputs& in) { return in[0] / in[1]; }, {pos(sa), pos(sb)});
    expect_gradients_match([](const Inputs& in) { return where(gt(in[0], 1.0), in[0], in[1]); }, {pos(sa), pos(sb)});
  }
}

TEST(Elementwise, InputUsedTwiceGradientsMatch) {
  Generator gen(1);
  expect_gradients_match([](const Inputs& in) { return in[0] * in[0] + in[0] / (in[0] + 3.0); },
                         {uniform({3, 3}, 0.5, 2.0, gen, kFloat64)});
}

TEST(Elementwise, UnaryGradientsMatchFiniteDifferences) {
  Generator gen(2);
  Tensor x = away_from_zero({4, 5}, gen);
  Tensor p = uniform({4, 5}, 0.5, 2.0, gen, kFloat64);
  expect_gradients_match([](const Inputs& in) { return neg(in[0]); }, {x});
  expect_gradients_match([](const Inputs& in) { return exp(in[0]); }, {x});
  expect_gradients_match([](const Inputs& in) { return log(in[0]); }, {p});
  expect_gradients_match([](const Inputs& in) { return pow(in[0], 3.0); }, {x});
  expect_gradients_match([](const Inputs& in) { return pow(in[0], -1.5); }, {p});
  expect_gradients_match([](const Inputs& in) { return sqrt(in[0]); }, {p});
  expect_gradients_match([](const Inputs& in) { return abs(in[0]); }, {x});
  expect_gradients_match([](const Inputs& in) { return clamp(in[0], -0.75, 0.75); }, {x});
  expect_gradients_match([](const Inputs& in) { return in[0] * 3.0 + 1.0; }, {x});
  expect_gradients_match([](const Inputs& in) { return 2.0 - in[0]; }, {x});
  expect_gradients_match([](const Inputs& in) { return 2.0 / in[0]; }, {p});
  expect_gradients_match([](const Inputs& in) { return in[0].to(kFloat32).to(kFloat64); }, {x},
                         {.eps = 1e-2, .atol = 1e-3, .rtol = 1e-3});  // float32 rounding needs a wide step
  expect_gradients_match([](const Inputs& in) { return broadcast_to(in[0], {3, 4, 5}); }, {x});
  expect_gradients_match([](const Inputs& in) { return sum_to(in[0], {1, 5}); }, {x});
  expect_gradients_match([](const Inputs& in) { return in[0].clone(); }, {x});
}

// Values at the kinks, pinned to what PyTorch 1.13 returns (checked with torch.autograd).
TEST(Elementwise, DerivativesAtKinksMatchPyTorch) {
  Tensor x = tensor({0.0, 1.0, -1.0}, {}, kFloat64).requires_grad_();
  sum(abs(x)).backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{0, 1, -1}));  // sign(0) = 0

  Tensor c = tensor({0.0, 1.0, -1.0}, {}, kFloat64).requires_grad_();
  sum(clamp(c, 0.0, 1.0)).backward();
  EXPECT_EQ(c.grad().to_vector(), (std::vector<double>{1, 1, 0}));  // boundaries pass

  Tensor s = tensor({0.0}, {}, kFloat64).requires_grad_();
  sum(sqrt(s)).backward();
  EXPECT_EQ(s.grad().item(), INFINITY);

  Tensor q = tensor({0.0}, {}, kFloat64).requires_grad_();
  sum(pow(q, 0.0) + pow(q, 2.0)).backward();
  EXPECT_EQ(q.grad().item(), 0.0);
}

TEST(Elementwise, ErrorsNameOpAndShapes) {
  try {
    (void)(ones({50, 24}) + ones({25}));
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("add"));
    EXPECT_THAT(e.what(), HasSubstr("(50, 24)"));
    EXPECT_THAT(e.what(), HasSubstr("(25)"));
  }
  try {
    (void)(ones({2}) * ones({2}, kFloat64));
    FAIL();
  } catch (const DtypeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("mul: inputs have different dtypes: a is float32 (2), b is float64 (2)"));
  }
  try {
    (void)exp(arange(3));
    FAIL();
  } catch (const DtypeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("exp: expected a float32 or float64 tensor, got int64"));
  }
  EXPECT_THROW(clamp(ones({2}), 1.0, 0.0), ValueError);
  EXPECT_THROW(broadcast_to(ones({3}), {2, 4}), ShapeError);
  EXPECT_THROW(sum_to(ones({3}), {2, 3}), ShapeError);
}

}  // namespace
}  // namespace minidl

namespace minidl {
namespace {

// From 2^16 elements the unary ops and fused backwards run in one block per thread
// (elementwise_kernels.h): on two threads every element must be the one-thread value, forward and
// backward, at both ends of each block.
TEST(Elementwise, LargeUnaryOpsGiveTheSameBitsOnTwoThreads) {
  Generator gen(11);
  Tensor x = randn({3, 70001}, gen);
  auto run = [&](int threads) {
    const int before = get_num_threads();
    set_num_threads(threads);
    Tensor xg = x.detach().requires_grad_();
    Tensor y = add(relu(xg), tanh(xg));
    sum(mul(y, x)).backward();
    set_num_threads(before);
    return std::pair{y.to_vector(), xg.grad().to_vector()};
  };
  auto [y1, g1] = run(1);
  auto [y2, g2] = run(2);
  EXPECT_EQ(y1, y2);
  EXPECT_EQ(g1, g2);
  const double v = x.to_vector()[105001];  // in the second block on two threads
  EXPECT_NEAR(y1[105001], std::max(0.0, v) + std::tanh(v), 1e-6);
}

}  // namespace
}  // namespace minidl

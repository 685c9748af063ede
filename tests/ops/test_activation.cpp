// Activations and (log-)softmax: values, stability, gradchecks and kinks pinned to PyTorch.
#include <gtest/gtest.h>

#include <cmath>

#include "minidl/minidl.h"
#include "support/gradcheck.h"

namespace minidl {
namespace {

using testing::away_from_zero;
using testing::expect_gradients_match;
using Inputs = std::vector<Tensor>;

TEST(Activation, Values) {
  Tensor x = tensor({-2.0, 0.0, 3.0}, {}, kFloat64);
  EXPECT_EQ(relu(x).to_vector(), (std::vector<double>{0, 0, 3}));
  EXPECT_EQ(leaky_relu(x, 0.1).to_vector(), (std::vector<double>{-0.2, 0, 3}));
  EXPECT_NEAR(sigmoid(x).at({2}), 1 / (1 + std::exp(-3.0)), 1e-15);
  EXPECT_NEAR(tanh(x).at({0}), std::tanh(-2.0), 1e-15);
  Tensor s = softmax(tensor({1.0, 2.0, 3.0, 1.0, 1.0, 1.0}, {2, 3}, kFloat64), 1);
  EXPECT_NEAR(s.at({1, 0}), 1.0 / 3.0, 1e-15);
  EXPECT_NEAR(sum(s, {1}).at({0}), 1.0, 1e-15);
}

TEST(Activation, StableForLargeInputs) {
  Tensor big = tensor({1000.0, -1000.0, 0.0}, {1, 3});
  Tensor s = softmax(big, 1), ls = log_softmax(big, 1), sg = sigmoid(tensor({-1000.0, 1000.0}));
  for (double v : s.to_vector()) EXPECT_TRUE(std::isfinite(v));
  EXPECT_FLOAT_EQ(ls.at({0, 0}), 0.0f);
  EXPECT_FLOAT_EQ(ls.at({0, 2}), -1000.0f);
  EXPECT_TRUE(std::isinf(ls.at({0, 1})) || ls.at({0, 1}) == -2000.0);
  EXPECT_EQ(sg.to_vector(), (std::vector<double>{0, 1}));
}

TEST(Activation, GradientsMatchFiniteDifferences) {
  Generator gen(0);
  Tensor x = away_from_zero({4, 5}, gen);
  expect_gradients_match([](const Inputs& in) { return relu(in[0]); }, {x});
  expect_gradients_match([](const Inputs& in) { return leaky_relu(in[0], 0.1); }, {x});
  expect_gradients_match([](const Inputs& in) { return sigmoid(in[0]); }, {x});
  expect_gradients_match([](const Inputs& in) { return tanh(in[0]); }, {x});
  expect_gradients_match([](const Inputs& in) { return softmax(in[0], 1); }, {x});
  expect_gradients_match([](const Inputs& in) { return softmax(in[0], 0); }, {x});
  expect_gradients_match([](const Inputs& in) { return log_softmax(in[0], -1); }, {x});
  expect_gradients_match([](const Inputs& in) { return log_softmax(in[0].reshape({2, 2, 5}), 1); }, {x});
  expect_gradients_match([](const Inputs& in) { return tanh(in[0]) * sigmoid(in[0]); }, {x});  // used twice
}

TEST(Activation, DerivativesAtZeroMatchPyTorch) {
  // PyTorch 1.13: relu'(0) = 0, leaky_relu'(0) = negative_slope.
  Tensor x = zeros({1}, kFloat64).requires_grad_();
  sum(relu(x)).backward();
  EXPECT_EQ(x.grad().item(), 0.0);
  Tensor y = zeros({1}, kFloat64).requires_grad_();
  sum(leaky_relu(y, 0.1)).backward();
  EXPECT_EQ(y.grad().item(), 0.1);
}

}  // namespace
}  // namespace minidl

// Activations and (log-)softmax: values, stability, gradchecks and kinks pinned to PyTorch.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "minidl/minidl.h"
#include "support/golden.h"
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

// GELU (both approximations) and SiLU: PyTorch's values and input gradients (nn_modules.json, the
// inputs spread over [-9, 9]), in float64 and float32, and float64 gradchecks.
TEST(Activation, GeluAndSiluMatchPyTorch) {
  testing::Golden g("nn_modules.json");
  auto gelu_tanh = [](const Tensor& x) { return gelu(x, GeluApproximate::tanh); };
  std::vector<std::pair<std::string, std::function<Tensor(const Tensor&)>>> cases{
      {"gelu", [](const Tensor& x) { return gelu(x); }}, {"gelu_tanh", gelu_tanh}, {"silu", silu}};
  for (const auto& [name, f] : cases) {
    for (std::string key : {name, name + "_f32"}) {
      SCOPED_TRACE(key);
      Tensor x = g.tensor(key + "/x").requires_grad_();
      Tensor y = f(x);
      EXPECT_TRUE(testing::matches_golden(y, g.tensor(key + "/y")));
      y.backward(g.tensor(key + "/dy"));
      EXPECT_TRUE(testing::matches_golden(x.grad(), g.tensor(key + "/dx")));
    }
  }
}

TEST(Activation, GeluAndSiluGradientsMatchFiniteDifferences) {
  Generator gen(3);
  Tensor x = randn({4, 5}, gen, kFloat64) * 3.0;
  expect_gradients_match([](const Inputs& in) { return gelu(in[0]); }, {x});
  expect_gradients_match([](const Inputs& in) { return gelu(in[0], GeluApproximate::tanh); }, {x});
  expect_gradients_match([](const Inputs& in) { return silu(in[0]); }, {x});
}

TEST(Activation, GeluAndSiluValuesAndLimits) {
  Tensor x = tensor({-1000.0, -1.0, 0.0, 1.0, 1000.0}, {}, kFloat64);
  std::vector<double> exact = gelu(x).to_vector(), approx = gelu(x, GeluApproximate::tanh).to_vector();
  std::vector<double> swish = silu(x).to_vector();
  EXPECT_NEAR(exact[3], 0.8413447460685429, 1e-15);  // Phi(1)
  EXPECT_NEAR(approx[3], 0.8411919906082768, 1e-15);
  EXPECT_NEAR(swish[3], 1 / (1 + std::exp(-1.0)), 1e-15);
  for (const auto& v : {exact, approx, swish}) {
    EXPECT_EQ(v[0], 0.0);  // no nan from inf * 0
    EXPECT_EQ(v[2], 0.0);
    EXPECT_EQ(v[4], 1000.0);
  }
  EXPECT_EQ(to_string(GeluApproximate::none), "none");
  EXPECT_EQ(to_string(GeluApproximate::tanh), "tanh");
}

}  // namespace
}  // namespace minidl

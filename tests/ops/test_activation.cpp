// Activations and (log-)softmax: values, stability, gradchecks and kinks pinned to PyTorch; the
// fused linear_relu & co. against the two ops they replace.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "minidl/minidl.h"
#include "support/golden.h"
#include "support/gradcheck.h"

namespace minidl {
namespace {

using ::testing::HasSubstr;
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

TEST(ShiftedTanh, IsSigmoidOfTwiceX) {
  Tensor x = arange(-30.0, 30.0, 0.5, kFloat64);
  EXPECT_TRUE(testing::all_close(shifted_tanh(x), sigmoid(x * 2.0), 1e-15, 1e-14));
}

TEST(ShiftedTanh, GradientsMatchFiniteDifferences) {
  Generator gen(1);
  expect_gradients_match([](const Inputs& in) { return shifted_tanh(in[0]); }, {randn({3, 4}, gen, kFloat64)});
}

// A fused op, and the activation op it stands for after linear.
struct Fused {
  const char* name;
  Tensor (*fused)(const Tensor& x, const Tensor& w, const Tensor& b);
  Tensor (*activation)(const Tensor& x);
};

std::vector<Fused> fused_ops() {
  using T = const Tensor&;
  return {{"linear_relu", linear_relu, [](T x) { return relu(x); }},
          {"linear_leaky_relu(0.1)", [](T x, T w, T b) { return linear_leaky_relu(x, w, b, 0.1); },
           [](T x) { return leaky_relu(x, 0.1); }},
          {"linear_leaky_relu(0)", [](T x, T w, T b) { return linear_leaky_relu(x, w, b, 0.0); },
           [](T x) { return leaky_relu(x, 0.0); }},
          {"linear_tanh", linear_tanh, [](T x) { return tanh(x); }},
          {"linear_sigmoid", linear_sigmoid, [](T x) { return sigmoid(x); }}};
}

// The fused node must give the very numbers of the two ops it replaces: outputs and every
// gradient, bit for bit, in both dtypes, for 2-D and folded 3-D inputs.
TEST(LinearActivation, SameBitsAsLinearThenTheActivation) {
  Generator gen(5);
  for (Dtype dtype : {kFloat32, kFloat64}) {
    for (const Shape& xs : {Shape{7, 5}, Shape{1, 5}, Shape{2, 3, 5}}) {
      for (const Fused& op : fused_ops()) {
        Tensor x = randn(xs, gen, dtype), w = randn({4, 5}, gen, dtype), b = randn({4}, gen, dtype);
        Shape ys = xs;
        ys[ys.dim() - 1] = 4;
        Tensor r = randn(ys, gen, dtype);
        auto run = [&](bool fused) {
          std::vector<Tensor> leaves = {x.clone().requires_grad_(), w.clone().requires_grad_(),
                                        b.clone().requires_grad_()};
          Tensor y = fused ? op.fused(leaves[0], leaves[1], leaves[2])
                           : op.activation(linear(leaves[0], leaves[1], leaves[2]));
          sum(y * r).backward();
          std::vector<std::vector<double>> out = {y.to_vector()};
          for (const Tensor& t : leaves) out.push_back(t.grad().to_vector());
          return out;
        };
        EXPECT_EQ(run(true), run(false)) << op.name << " " << to_string(dtype) << " " << to_string(xs);
      }
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

// The fused backward writes its activation gradient into dy when the engine is dy's only owner;
// a gradient the caller still holds must be left as it was.
TEST(LinearActivation, BackwardLeavesTheCallersGradientAlone) {
  Generator gen(12);
  Tensor x = randn({4, 3}, gen), w = randn({5, 3}, gen).requires_grad_();
  Tensor y = linear_relu(x, w, Tensor());
  Tensor g = randn({4, 5}, gen);
  const std::vector<double> before = g.to_vector();
  y.backward(g);
  EXPECT_EQ(g.to_vector(), before);
  // And the weight gradient is dz^T x with dz = g where y > 0: the caller's g, not a modified one.
  std::vector<double> vg = g.to_vector(), vy = y.to_vector(), vx = x.to_vector(), expected(15, 0.0);
  for (int64_t n = 0; n < 4; ++n)
    for (int64_t o = 0; o < 5; ++o)
      for (int64_t i = 0; i < 3; ++i) expected[o * 3 + i] += (vy[n * 5 + o] > 0 ? vg[n * 5 + o] : 0.0) * vx[n * 3 + i];
  std::vector<double> dw = w.grad().to_vector();
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(dw[i], expected[i], 1e-5) << i;
}

TEST(LinearActivation, GradientsMatchFiniteDifferences) {
  Generator gen(6);
  auto r = [&](const Shape& s) { return randn(s, gen, kFloat64); };
  for (const Fused& op : fused_ops()) {
    auto f = op.fused;
    expect_gradients_match([f](const Inputs& in) { return f(in[0], in[1], in[2]); }, {r({5, 3}), r({4, 3}), r({4})});
    expect_gradients_match([f](const Inputs& in) { return f(in[0], in[1], Tensor()); }, {r({2, 3}), r({4, 3})});
  }
}

TEST(LinearActivation, OneNodeAndItsErrors) {
  Tensor w = ones({4, 3}).requires_grad_();
  Tensor y = linear_tanh(ones({2, 3}), w, Tensor());
  ASSERT_NE(y.grad_fn(), nullptr);
  EXPECT_STREQ(y.grad_fn()->name, "linear_tanh");
  EXPECT_EQ(y.grad_fn()->edges.size(), 3u);  // x, w, b: straight to the inputs, no activation node between
  try {
    (void)linear_leaky_relu(ones({2, 3}), w, Tensor(), -0.5);
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_THAT(e.what(), HasSubstr("linear: a fused leaky_relu needs negative_slope >= 0"));
  }
  try {
    (void)linear_relu(ones({2, 2}), w, Tensor());
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("linear_relu: input has 2 features, expected 3"));
  }
}

}  // namespace
}  // namespace minidl

// nn::init: each scheme's mean, std and bounds over a large tensor against the same statistics
// of PyTorch's draw (nn_init.json), plus gains and fans.
#include "nn/nn_support.h"

using namespace minidl;
namespace mt = minidl::testing;
using ::testing::HasSubstr;
using mt::error_of;
namespace init = nn::init;

namespace {

struct Stats {
  double mean, std, max_abs;
};

Stats stats_of(const Tensor& w) {
  std::vector<double> v = w.to_vector();
  double m = 0, s = 0, a = 0;
  for (double x : v) m += x;
  m /= static_cast<double>(v.size());
  for (double x : v) {
    s += (x - m) * (x - m);
    a = std::max(a, std::abs(x));
  }
  return {m, std::sqrt(s / static_cast<double>(v.size() - 1)), a};
}

// Ours and PyTorch's draws agree to sampling error: 120000 values give std within ~0.5% and the
// mean within a few std / sqrt(n). For uniform schemes the max |w| is the bound, within 0.1%.
void expect_like_pytorch(const Tensor& w, const std::string& scheme, bool uniform) {
  mt::Golden g("nn_init.json");
  double mean = g[scheme + "/mean"].get<double>(), std = g[scheme + "/std"].get<double>();
  double max_abs = g[scheme + "/max_abs"].get<double>();
  Stats s = stats_of(w);
  SCOPED_TRACE(scheme);
  double n = static_cast<double>(w.numel());
  EXPECT_NEAR(s.mean, mean, 10 * std / std::sqrt(n));
  EXPECT_NEAR(s.std, std, 0.015 * std);
  if (uniform) {
    EXPECT_NEAR(s.max_abs, max_abs, 0.002 * max_abs);
  }
}

Tensor big(Dtype dtype = kFloat64) { return Tensor::empty({400, 300}, dtype); }  // fan_out 400, fan_in 300

}  // namespace

TEST(Init, SchemesMatchPyTorchsDistributions) {
  Generator gen(0);
  expect_like_pytorch(init::pytorch_default_(big(), 300, gen), "pytorch_default", true);
  expect_like_pytorch(init::pytorch_default_scaled_(big(), 300, gen), "pytorch_default_scaled", true);
  expect_like_pytorch(init::xavier_uniform_(big(), gen), "xavier_uniform", true);
  expect_like_pytorch(init::xavier_uniform_(big(), gen, init::calculate_gain(init::Nonlinearity::tanh)),
                      "xavier_uniform_tanh", true);
  expect_like_pytorch(init::xavier_normal_(big(), gen), "xavier_normal", false);
  expect_like_pytorch(init::kaiming_uniform_(big(), gen), "kaiming_uniform", true);
  expect_like_pytorch(init::kaiming_normal_(big(), gen), "kaiming_normal", false);
  expect_like_pytorch(init::kaiming_normal_(big(), gen, 0, init::FanMode::fan_out, init::Nonlinearity::relu),
                      "kaiming_normal_fan_out_relu", false);
  // PyTorch's Linear weight init is kaiming_uniform_ with a = sqrt(5): the same as pytorch_default_.
  expect_like_pytorch(init::kaiming_uniform_(big(), gen, std::sqrt(5.0)), "pytorch_default", true);
  expect_like_pytorch(init::kaiming_uniform_(big(), gen, std::sqrt(5.0)), "kaiming_uniform_a_sqrt5", true);
  expect_like_pytorch(init::normal_(big(), 0.5, 2.0, gen), "normal", false);
  expect_like_pytorch(init::uniform_(big(), -2.0, 3.0, gen), "uniform", false);
  expect_like_pytorch(init::uniform_(big(kFloat32), -2.0, 3.0, gen), "uniform", false);
}

TEST(Init, LinearUsesTheSameSchemes) {
  Generator gen(1);
  nn::Linear fc(300, 400, nn::LinearOptions{.generator = &gen, .dtype = kFloat64});
  expect_like_pytorch(fc.weight(), "pytorch_default", true);
  nn::Linear big_bias(300, 100000, nn::LinearOptions{.generator = &gen});
  expect_like_pytorch(big_bias.bias(), "pytorch_default_bias", true);
  nn::Linear scaled(300, 400, nn::LinearOptions{.init = nn::Init::pytorch_default_scaled, .generator = &gen});
  expect_like_pytorch(scaled.weight(), "pytorch_default_scaled", true);
  nn::Linear glorot(300, 400, nn::LinearOptions{.init = nn::Init::xavier_normal, .generator = &gen});
  expect_like_pytorch(glorot.weight(), "xavier_normal", false);
  nn::Linear he(300, 400, nn::LinearOptions{.init = nn::Init::kaiming_uniform, .generator = &gen});
  expect_like_pytorch(he.weight(), "kaiming_uniform", true);
}

TEST(Init, GainsAndFansArePyTorchs) {
  mt::Golden g("nn_init.json");
  using NL = init::Nonlinearity;
  EXPECT_DOUBLE_EQ(init::calculate_gain(NL::linear), g["gains/linear"].get<double>());
  EXPECT_DOUBLE_EQ(init::calculate_gain(NL::sigmoid), g["gains/sigmoid"].get<double>());
  EXPECT_DOUBLE_EQ(init::calculate_gain(NL::tanh), g["gains/tanh"].get<double>());
  EXPECT_DOUBLE_EQ(init::calculate_gain(NL::relu), g["gains/relu"].get<double>());
  EXPECT_DOUBLE_EQ(init::calculate_gain(NL::selu), g["gains/selu"].get<double>());
  EXPECT_DOUBLE_EQ(init::calculate_gain(NL::leaky_relu, 0.2), g["gains/leaky_relu_0.2"].get<double>());
  init::Fans f = init::calculate_fan_in_and_fan_out(zeros({8, 3, 5, 5}));
  EXPECT_EQ(f.fan_in, 75);
  EXPECT_EQ(f.fan_out, 200);
}

TEST(Init, ConstantsAndErrors) {
  Generator gen(0);
  EXPECT_EQ(init::constant_(zeros({3}), 2.5).to_vector(), std::vector<double>(3, 2.5));
  EXPECT_EQ(init::ones_(zeros({2})).to_vector(), std::vector<double>(2, 1.0));
  EXPECT_EQ(init::zeros_(ones({2})).to_vector(), std::vector<double>(2, 0.0));
  EXPECT_THAT(error_of<ValueError>([&] { init::xavier_uniform_(zeros({5}), gen); }),
              HasSubstr("need a tensor of 2 or more dims, got shape (5)"));
  EXPECT_THAT(error_of<ValueError>([&] { init::normal_(zeros({5}), 0, -1, gen); }), HasSubstr("std must be >= 0"));
  EXPECT_THAT(error_of<ValueError>([&] { init::uniform_(zeros({5}), 1, 0, gen); }), HasSubstr("expected a <= b"));
  EXPECT_THAT(error_of<DtypeError>([&] { init::uniform_(zeros({5}, kInt64), 0, 1, gen); }), HasSubstr("int64"));
  EXPECT_THAT(error_of<ValueError>([&] { init::pytorch_default_(zeros({5}), 0, gen); }), HasSubstr("fan_in must be > 0"));
}

TEST(Init, IsNotRecordedAndKeepsTheHandle) {
  Generator gen(0);
  Tensor w = zeros({4, 4}).requires_grad_();
  Tensor same = init::kaiming_normal_(w, gen);
  EXPECT_TRUE(same.is_same(w));
  EXPECT_TRUE(w.is_leaf());
  EXPECT_NE(w.to_vector(), std::vector<double>(16, 0.0));
}

// An init gain (issue 15): report 001's Glorot std 2 / sqrt(fan_in + fan_out) is xavier_normal_
// with gain sqrt(2), through init:: and through LinearOptions::gain.
TEST(Init, XavierGainMatchesPyTorch) {
  Generator gen(2);
  expect_like_pytorch(init::xavier_normal_(big(), gen, std::sqrt(2.0)), "xavier_normal_gain_sqrt2", false);
  expect_like_pytorch(init::xavier_uniform_(big(), gen, 0.5), "xavier_uniform_gain_0.5", true);
  nn::Linear normal(300, 400, nn::LinearOptions{.init = nn::Init::xavier_normal, .gain = std::sqrt(2.0), .generator = &gen});
  expect_like_pytorch(normal.weight(), "xavier_normal_gain_sqrt2", false);
  nn::Linear uniform(300, 400, nn::LinearOptions{.init = nn::Init::xavier_uniform, .gain = 0.5, .generator = &gen});
  expect_like_pytorch(uniform.weight(), "xavier_uniform_gain_0.5", true);
  EXPECT_EQ(uniform.bias().to_vector(), std::vector<double>(400, 0.0));
}

TEST(Init, GainOfAnotherInitIsAnError) {
  EXPECT_THAT(error_of<ValueError>([] { nn::Linear(3, 4, nn::LinearOptions{.init = nn::Init::kaiming_normal, .gain = 2}); }),
              HasSubstr("Linear: gain 2.0 applies to Init::xavier_uniform and Init::xavier_normal only"));
  EXPECT_THAT(error_of<ValueError>([] { nn::Linear(3, 4, nn::LinearOptions{.gain = 1.5}); }), HasSubstr("gain 1.5"));
  EXPECT_THAT(error_of<ValueError>([] {
                nn::Linear(3, 4, nn::LinearOptions{.init = nn::Init::xavier_normal, .gain = INFINITY});
              }),
              HasSubstr("Linear: gain must be finite"));
  EXPECT_NO_THROW(nn::Linear(3, 4, nn::LinearOptions{.init = nn::Init::kaiming_normal, .gain = 1.0}));
}

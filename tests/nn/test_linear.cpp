// Linear: PyTorch golden outputs and gradients, gradcheck, repr, options and their errors.
#include "nn/nn_support.h"

using namespace minidl;
namespace mt = minidl::testing;
using ::testing::HasSubstr;
using mt::error_of;

TEST(Linear, MatchesPyTorch) {
  nn::Linear fc(3, 4);
  mt::expect_module_matches_golden(fc, "linear");
}

TEST(Linear, MatchesPyTorchWithoutBias) {
  nn::Linear fc(3, 4, false);
  mt::expect_module_matches_golden(fc, "linear_no_bias");
}

TEST(Linear, MatchesPyTorchOnBatchedInput) {
  nn::Linear fc(3, 4);
  mt::expect_module_matches_golden(fc, "linear_3d");
}

TEST(Linear, MatchesPyTorchInFloat32) {
  nn::Linear fc(3, 4);
  mt::expect_module_matches_golden(fc, "linear_f32");
}

TEST(Linear, GradientsMatchFiniteDifferences) {
  Generator gen(0);
  nn::Linear fc(3, 4, nn::LinearOptions{.generator = &gen, .dtype = kFloat64});
  mt::expect_module_gradients_match(fc, randn({5, 3}, gen, kFloat64));
  nn::Linear no_bias(3, 2, false);
  mt::expect_module_gradients_match(no_bias, randn({2, 3}, gen, kFloat64));
}

TEST(Linear, ShapesNamesAndRepr) {
  nn::Linear fc(2, 25);
  EXPECT_EQ(fc.repr(), "Linear(in_features=2, out_features=25, bias=true)");
  EXPECT_EQ(nn::Linear(3, 1, false).repr(), "Linear(in_features=3, out_features=1, bias=false)");
  EXPECT_EQ(fc.weight().shape(), (Shape{25, 2}));
  EXPECT_EQ(fc.bias().shape(), (Shape{25}));
  EXPECT_EQ(fc(zeros({7, 2})).shape(), (Shape{7, 25}));
  EXPECT_FALSE(nn::Linear(2, 3, false).bias().defined());
  EXPECT_EQ(nn::Linear(2, 3, false).named_parameters().size(), 1u);
}

TEST(Linear, DefaultInitIsPyTorchsBound) {
  nn::Linear fc(16, 300);
  double bound = 1.0 / std::sqrt(16.0);
  for (double v : fc.weight().to_vector()) EXPECT_LE(std::abs(v), bound);
  double max_bias = 0;
  for (double v : fc.bias().to_vector()) max_bias = std::max(max_bias, std::abs(v));
  EXPECT_LE(max_bias, bound);
  EXPECT_GT(max_bias, 0.9 * bound);  // bias uses the weight's fan_in, not 1/sqrt(1)
}

TEST(Linear, SameGeneratorGivesDifferentLayersSameSeedGivesSameWeights) {
  Generator gen(4);
  auto a = nn::linear(5, 5, gen), b = nn::linear(5, 5, gen);
  EXPECT_NE(a->weight().to_vector(), b->weight().to_vector());
  EXPECT_EQ(nn::Linear(5, 5).weight().to_vector(), nn::Linear(5, 5).weight().to_vector());
}

TEST(Linear, ExplicitStdsForWeightAndBias) {
  // Report 004: weights N(0, std), bias N(0, bias_std).
  nn::Linear fc(200, 300, nn::LinearOptions{.init = nn::Init::normal, .weight_std = 0.2, .bias_std = 0.05, .seed = 2});
  auto std_of = [](const Tensor& x) {
    double m = x.mean().item();
    return std::sqrt(((x - m) * (x - m)).mean().item());
  };
  EXPECT_NEAR(std_of(fc.weight()), 0.2, 0.004);
  EXPECT_NEAR(std_of(fc.bias()), 0.05, 0.006);
  nn::Linear he(200, 300, nn::LinearOptions{.init = nn::Init::kaiming_normal, .seed = 2});
  EXPECT_NEAR(std_of(he.weight()), std::sqrt(2.0 / 200), 0.002);
  EXPECT_EQ(he.bias().to_vector(), std::vector<double>(300, 0.0));
  nn::Linear zero(2, 2, nn::LinearOptions{.init = nn::Init::zeros});
  EXPECT_EQ(zero.weight().to_vector(), std::vector<double>(4, 0.0));
}

TEST(Linear, InvalidOptionsAreRejected) {
  EXPECT_THAT(error_of<ValueError>([] { nn::Linear(0, 3); }), HasSubstr("in_features=0, out_features=3"));
  EXPECT_THAT(error_of<ValueError>([] { nn::Linear(2, 3, nn::LinearOptions{.init = nn::Init::normal}); }),
              HasSubstr("Init::normal needs weight_std"));
  EXPECT_THAT(error_of<ValueError>([] { nn::Linear(2, 3, nn::LinearOptions{.weight_std = 0.1}); }),
              HasSubstr("does not apply to another init"));
  EXPECT_THAT(error_of<ValueError>([] {
                nn::Linear(2, 3, nn::LinearOptions{.init = nn::Init::normal, .weight_std = -1.0});
              }),
              HasSubstr("must be >= 0, got -1"));
  EXPECT_THAT(error_of<ValueError>([] { nn::Linear(2, 3, nn::LinearOptions{.bias = false, .bias_std = 0.1}); }),
              HasSubstr("bias_std given but bias=false"));
  EXPECT_THAT(error_of<DtypeError>([] { nn::Linear(2, 3, nn::LinearOptions{.dtype = kInt64}); }), HasSubstr("int64"));
}

TEST(Linear, WrongFeatureCountIsAShapeErrorWithThePath) {
  nn::Linear fc(3, 2);
  std::string msg = error_of<ShapeError>([&] { fc(zeros({4, 5})); });
  EXPECT_THAT(msg, HasSubstr("Linear 'model' (in_features=3, out_features=2, bias=true): input has 5 features, "
                             "expected 3\n  input shape: (4, 5)"));
}

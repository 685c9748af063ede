// Dropout: PyTorch's mask gives PyTorch's output and gradient; mask statistics; eval identity;
// seeding; p validation.
#include "nn/nn_support.h"

using namespace minidl;
namespace mt = minidl::testing;
using ::testing::HasSubstr;
using mt::error_of;

TEST(Dropout, WithPyTorchsMaskMatchesPyTorch) {
  mt::Golden g("nn_modules.json");
  double p = g["dropout/p"].get<double>();
  Tensor x = g.tensor("dropout/x").requires_grad_();
  Tensor y = nn::dropout_with_mask(x, g.tensor("dropout/mask"), p);
  EXPECT_TRUE(mt::matches_golden(y, g.tensor("dropout/y")));
  y.backward(g.tensor("dropout/dy"));
  EXPECT_TRUE(mt::matches_golden(x.grad(), g.tensor("dropout/dx")));
}

TEST(Dropout, MaskStatisticsAndScaling) {
  nn::Dropout drop(0.3, /*seed=*/5);
  Tensor x = ones({400, 500}, kFloat64);
  Tensor y = drop(x);
  int64_t kept = 0;
  for (double v : y.to_vector()) {
    if (v != 0) {
      ++kept;
      EXPECT_DOUBLE_EQ(v, 1.0 / 0.7);
    }
  }
  double frac = static_cast<double>(kept) / 200000.0;
  EXPECT_NEAR(frac, 0.7, 0.005);               // 5 standard deviations is 0.005
  EXPECT_NEAR(y.mean().item(), 1.0, 0.008);    // inverted dropout keeps the mean
}

TEST(Dropout, EvalModeIsTheIdentity) {
  nn::Dropout drop(0.5);
  drop.eval();
  Tensor x = ones({3, 3});
  EXPECT_TRUE(drop(x).is_same(x));
  drop.train();
  EXPECT_FALSE(drop(x).is_same(x));
}

TEST(Dropout, SameSeedSameMaskAndMasksChangeBetweenCalls) {
  nn::Dropout a(0.5, 9), b(0.5, 9);
  Tensor x = ones({10, 10});
  Tensor ya = a(x);
  EXPECT_EQ(ya.to_vector(), b(x).to_vector());
  EXPECT_NE(ya.to_vector(), a(x).to_vector());
  auto shared = std::make_shared<Generator>(9);
  nn::Dropout c(0.5, shared);
  EXPECT_EQ(c(x).to_vector(), ya.to_vector());
}

TEST(Dropout, GradientsMatchFiniteDifferences) {
  // The mask is drawn once per call; a fresh module with the same seed per call keeps it fixed.
  Generator gen(1);
  Tensor x = randn({4, 6}, gen, kFloat64);
  mt::expect_gradients_match([](const std::vector<Tensor>& in) {
    nn::Dropout drop(0.4, 3);
    return drop(in[0]);
  }, {x});
}

TEST(Dropout, PEdgesAndValidation) {
  Tensor x = ones({5});
  EXPECT_EQ(nn::Dropout(0.0)(x).to_vector(), x.to_vector());
  EXPECT_EQ(nn::Dropout(1.0)(x).to_vector(), std::vector<double>(5, 0.0));  // PyTorch: all zeros
  EXPECT_THAT(error_of<ValueError>([] { nn::Dropout(1.5); }), HasSubstr("Dropout: p must be in [0, 1], got 1.5"));
  EXPECT_THAT(error_of<ValueError>([] { nn::Dropout(-0.1); }), HasSubstr("got -0.1"));
  EXPECT_EQ(nn::Dropout(0.25).repr(), "Dropout(p=0.25)");
  EXPECT_THAT(error_of<ShapeError>([&] { nn::dropout_with_mask(x, ones({4}), 0.5); }), HasSubstr("mask shape (4)"));
}

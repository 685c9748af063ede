// BatchNorm1d and BatchNorm2d: PyTorch golden values in training and eval mode (outputs, gradients,
// running statistics), gradchecks in both modes, state_dict keys, repr and errors.
#include "nn/conv_support.h"

using namespace minidl;
namespace mt = minidl::testing;
using mt::error_of;
using ::testing::HasSubstr;

TEST(BatchNorm1dModule, MatchesPyTorch) {
  for (const char* name : {"bn1d_train", "bn1d_eval"}) {
    nn::BatchNorm1d bn(4);
    mt::expect_conv_module_matches_golden(bn, name);
  }
  for (const char* name : {"bn1d_3d_train", "bn1d_3d_eval"}) {
    nn::BatchNorm1d bn(3);
    mt::expect_conv_module_matches_golden(bn, name);
  }
}

TEST(BatchNorm2dModule, MatchesPyTorch) {
  for (const char* name : {"bn2d_train", "bn2d_eval", "bn2d_f32_train"}) {
    nn::BatchNorm2d bn(3);
    mt::expect_conv_module_matches_golden(bn, name);
  }
  nn::BatchNorm2d momentum(2, {.eps = 1e-3, .momentum = 0.3});
  mt::expect_conv_module_matches_golden(momentum, "bn2d_momentum");
  nn::BatchNorm2d no_affine(3, {.affine = false});
  mt::expect_conv_module_matches_golden(no_affine, "bn2d_no_affine");
  nn::BatchNorm2d untracked(3, {.track_running_stats = false});
  mt::expect_conv_module_matches_golden(untracked, "bn2d_untracked_eval");
}

TEST(BatchNormModules, GradientsMatchFiniteDifferencesInBothModes) {
  Generator gen(0);
  for (bool training : {true, false}) {
    SCOPED_TRACE(training ? "train" : "eval");
    nn::BatchNorm1d bn1(3, {.dtype = kFloat64});
    nn::BatchNorm2d bn2(3, {.dtype = kFloat64});
    for (nn::BatchNorm* bn : {static_cast<nn::BatchNorm*>(&bn1), static_cast<nn::BatchNorm*>(&bn2)}) {
      NoGradGuard no_grad;  // non-trivial parameters and statistics (Tensor is a handle: copy_ fills the module's)
      Tensor(bn->weight()).copy_(uniform({3}, 0.5, 1.5, gen, kFloat64));
      Tensor(bn->bias()).copy_(randn({3}, gen, kFloat64));
      Tensor(bn->running_mean()).copy_(randn({3}, gen, kFloat64));
      Tensor(bn->running_var()).copy_(uniform({3}, 0.5, 1.5, gen, kFloat64));
      bn->train(training);
    }
    mt::expect_module_gradients_match(bn1, randn({5, 3}, gen, kFloat64));
    mt::expect_module_gradients_match(bn1, randn({2, 3, 4}, gen, kFloat64));
    mt::expect_module_gradients_match(bn2, randn({2, 3, 3, 4}, gen, kFloat64));
  }
}

TEST(BatchNormModules, StateKeysAndReprAsPyTorch) {
  nn::BatchNorm2d bn(8);
  EXPECT_EQ(bn.repr(), "BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)");
  EXPECT_EQ(nn::BatchNorm1d(8, {.affine = false, .track_running_stats = false}).repr(),
            "BatchNorm1d(8, eps=1e-05, momentum=0.1, affine=false, track_running_stats=false)");
  EXPECT_EQ(bn.state_dict().keys(),
            (std::vector<std::string>{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"}));
  EXPECT_EQ(bn.parameters().size(), 2u);
  EXPECT_EQ(bn.num_batches_tracked().dtype(), kInt64);
  EXPECT_EQ(bn.num_batches_tracked().dim(), 0);
  EXPECT_TRUE(nn::BatchNorm1d(3, {.affine = false, .track_running_stats = false}).state_dict().empty());
  // to(float64) converts the floating state; the counter stays int64.
  bn.to(kFloat64);
  EXPECT_EQ(bn.running_var().dtype(), kFloat64);
  EXPECT_EQ(bn.num_batches_tracked().dtype(), kInt64);
}

TEST(BatchNormModules, TrainingUpdatesTheStatisticsAndEvalUsesThem) {
  nn::BatchNorm1d bn(2);
  Tensor x = tensor({1, 10, 3, 20, 5, 30}, {3, 2});
  Tensor y = bn(x);
  EXPECT_EQ(bn.num_batches_tracked().item(), 1);
  EXPECT_NEAR(bn.running_mean().at({0}), 0.3, 1e-6);                // 0.1 * 3
  EXPECT_NEAR(bn.running_var().at({0}), 1.3, 1e-6);                 // 0.9 + 0.1 * 4 (unbiased)
  EXPECT_NEAR(y.at({0, 0}), -2 / std::sqrt(8.0 / 3 + 1e-5), 1e-5);  // biased variance 8/3
  bn.eval();
  Tensor z = bn(x);
  EXPECT_EQ(bn.num_batches_tracked().item(), 1);
  EXPECT_NEAR(bn.running_mean().at({0}), 0.3, 1e-6);
  EXPECT_NEAR(z.at({0, 0}), (1 - 0.3) / std::sqrt(1.3 + 1e-5), 1e-5);
  // A single sample works in eval mode, not in training mode.
  EXPECT_EQ(bn(zeros({1, 2})).shape(), (Shape{1, 2}));
  bn.train();
  EXPECT_THAT(error_of<ValueError>([&] { bn(zeros({1, 2})); }), HasSubstr("more than 1 value per channel"));
  EXPECT_EQ(bn.num_batches_tracked().item(), 1);  // the failed call changed nothing
}

TEST(BatchNormModules, Errors) {
  nn::BatchNorm2d bn(8);
  EXPECT_THAT(
      error_of<ShapeError>([&] {
        bn(zeros({4, 3, 5, 5}));
      }),
      HasSubstr("BatchNorm2d 'model' (8, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true): input "
                "has 3 channels, expected 8\n  input shape: (4, 3, 5, 5)"));
  EXPECT_THAT(error_of<ShapeError>([&] {
                bn(zeros({4, 8}));
              }),
              HasSubstr("expected a 4-D input (N, C, H, W), got 2-D"));
  nn::BatchNorm1d bn1(8);
  EXPECT_THAT(error_of<ShapeError>([&] {
                bn1(zeros({4, 8, 2, 2}));
              }),
              HasSubstr("expected a 2-D (N, C) or 3-D (N, C, L) input, got 4-D"));
  EXPECT_THAT(error_of<ValueError>([] { nn::BatchNorm1d(0); }), HasSubstr("num_features must be > 0, got 0"));
  EXPECT_THAT(error_of<ValueError>([] { nn::BatchNorm1d(3, {.eps = 0}); }), HasSubstr("eps must be > 0, got 0"));
  EXPECT_THAT(error_of<ValueError>([] { nn::BatchNorm2d(3, {.momentum = 1.5}); }),
              HasSubstr("momentum must be in [0, 1], got 1.5"));
}

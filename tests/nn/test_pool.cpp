// MaxPool2d and AvgPool2d: PyTorch golden values, gradchecks, repr, settings and their errors.
#include "nn/conv_support.h"

using namespace minidl;
namespace mt = minidl::testing;
using mt::error_of;
using ::testing::HasSubstr;

TEST(MaxPool2dModule, MatchesPyTorch) {
  nn::MaxPool2d pool(2);
  mt::expect_conv_module_matches_golden(pool, "max_pool2d");
}

TEST(AvgPool2dModule, MatchesPyTorch) {
  nn::AvgPool2d pool(3, 2, 1);
  mt::expect_conv_module_matches_golden(pool, "avg_pool2d");
}

TEST(PoolModules, GradientsMatchFiniteDifferences) {
  Generator gen(0);
  // Distinct values 0.05 apart: no finite-difference step crosses a tie of the max.
  Tensor x = (randperm(2 * 3 * 6 * 5, gen).to(kFloat64) * 0.05 - 2.0).reshape({2, 3, 6, 5});
  nn::MaxPool2d max2(2), max3(3, 1, 1);
  nn::AvgPool2d avg2(2), avg3({3, 2}, Size2{2, 1}, {1, 0});
  mt::expect_module_gradients_match(max2, x);
  mt::expect_module_gradients_match(max3, x);
  mt::expect_module_gradients_match(avg2, x);
  mt::expect_module_gradients_match(avg3, x);
}

TEST(PoolModules, ShapesAndRepr) {
  nn::MaxPool2d max2(2);
  EXPECT_EQ(max2.repr(), "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=false)");
  EXPECT_EQ(nn::MaxPool2d({2, 3}, 1).repr(),
            "MaxPool2d(kernel_size=(2, 3), stride=1, padding=0, dilation=1, ceil_mode=false)");
  EXPECT_EQ(nn::AvgPool2d(2).repr(), "AvgPool2d(kernel_size=2, stride=2, padding=0)");
  EXPECT_EQ(nn::AvgPool2d(3, 1, 1).repr(), "AvgPool2d(kernel_size=3, stride=1, padding=1)");
  EXPECT_EQ(max2(zeros({4, 8, 24, 24})).shape(), (Shape{4, 8, 12, 12}));
  EXPECT_EQ(max2(zeros({4, 8, 25, 25})).shape(), (Shape{4, 8, 12, 12}));  // floor, as ceil_mode=False
  EXPECT_EQ(nn::AvgPool2d(3, 2, 1)(zeros({1, 1, 7, 6})).shape(), (Shape{1, 1, 4, 3}));
  EXPECT_TRUE(max2.parameters().empty());
  EXPECT_EQ(max2.stride(), Size2(2));
}

TEST(PoolModules, Errors) {
  EXPECT_THAT(error_of<ValueError>([] { nn::MaxPool2d(2, 2, 2); }),
              HasSubstr("MaxPool2d: padding must be at most half the kernel size, got padding=2, kernel_size=2"));
  EXPECT_THAT(error_of<ValueError>([] { nn::AvgPool2d(0); }),
              HasSubstr("AvgPool2d: kernel_size and stride must be >= 1"));
  nn::MaxPool2d pool(2);
  EXPECT_THAT(
      error_of<ShapeError>([&] {
        pool(zeros({8, 24, 24}));
      }),
      HasSubstr("MaxPool2d 'model' (kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=false): expected a "
                "4-D input (N, C, H, W), got 3-D\n  input shape: (8, 24, 24)"));
  EXPECT_THAT(error_of<ShapeError>([&] {
                nn::AvgPool2d(5)(zeros({1, 1, 4, 4}));
              }),
              HasSubstr("kernel (5, 5) is larger than the padded input (4, 4)"));
}

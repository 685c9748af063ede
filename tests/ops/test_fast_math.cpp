// The float32 exp and tanh kernels against libm in double, over a dense sweep of their range.
#include <gtest/gtest.h>

#include <cmath>

#include "ops/fast_math.h"

namespace minidl {
namespace {

// Relative error in units of float epsilon (2^-23), with an absolute floor for values near 0.
double ulps(double approx, double exact) {
  return std::fabs(approx - exact) / (std::max(std::fabs(exact), 1e-30) * 1.1920929e-7);
}

TEST(FastMath, ExpIsWithinAFewUlpOfLibm) {
  double worst = 0;
  for (double x = -87.0; x <= 88.3; x += 0.0007) {
    worst = std::max(worst, ulps(detail::fast_exp(static_cast<float>(x)), std::exp(static_cast<double>(static_cast<float>(x)))));
  }
  EXPECT_LT(worst, 4.0);
  EXPECT_EQ(detail::fast_exp(0.0f), 1.0f);
  EXPECT_EQ(detail::fast_exp(-1000.0f), 0.0f);
  EXPECT_EQ(detail::fast_exp(1000.0f), HUGE_VALF);
  EXPECT_TRUE(std::isnan(detail::fast_exp(NAN)));  // a diverging run must show NaN, not hide it
}

// fast_exp's range reduction floors x log2(e) + 0.5 in [-126, 128] with arithmetic that
// vectorises; it must be floor exactly: integers, halves, the floats just beside them, both signs.
TEST(FastMath, FloorSmallIsFloor) {
  for (float base = -130.0f; base <= 130.0f; base += 0.5f) {
    for (float x : {base, std::nextafter(base, -1e9f), std::nextafter(base, 1e9f), base + 0.25f, base + 0.7f}) {
      EXPECT_EQ(detail::floor_small(x), std::floor(x)) << x;
    }
  }
  EXPECT_EQ(detail::floor_small(0.49999997f), 0.0f);
  EXPECT_EQ(detail::floor_small(-1e-30f), -1.0f);
}

TEST(FastMath, TanhIsWithinAFewUlpOfLibm) {
  double worst = 0;
  for (double x = -10.0; x <= 10.0; x += 0.0003) {
    float xf = static_cast<float>(x);
    worst = std::max(worst, ulps(detail::fast_tanh(xf), std::tanh(static_cast<double>(xf))));
  }
  EXPECT_LT(worst, 6.0);
  EXPECT_EQ(detail::fast_tanh(1e-6f), 1e-6f);
  EXPECT_EQ(detail::fast_tanh(50.0f), 1.0f);
  EXPECT_EQ(detail::fast_tanh(-50.0f), -1.0f);
  EXPECT_TRUE(std::isnan(detail::fast_tanh(NAN)));
}

}  // namespace
}  // namespace minidl

// gradcheck itself: it passes a correct backward and catches a wrong one, naming the element.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "minidl/minidl.h"

namespace minidl {
namespace {

// y = x^2 with a deliberately wrong backward (dy * x instead of dy * 2x).
Tensor broken_square(const Tensor& x) {
  Tensor y = x.detach() * x.detach();
  return autograd::record("broken_square", y, {x}, [x](const Tensor& dy) { return autograd::Grads{dy * x.detach()}; });
}

TEST(Gradcheck, PassesACorrectBackward) {
  Generator gen(0);
  GradcheckResult r = gradcheck([](const std::vector<Tensor>& in) { return in[0] * in[0]; },
                                {randn({3, 2}, gen, kFloat64)});
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.checked, 6);
}

TEST(Gradcheck, CatchesAWrongBackwardAndNamesTheElement) {
  Generator gen(0);
  GradcheckResult r = gradcheck([](const std::vector<Tensor>& in) { return broken_square(in[0]); },
                                {uniform({4}, 0.5, 1.0, gen, kFloat64)});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.input, 0);
  EXPECT_GE(r.index, 0);
  EXPECT_NEAR(r.numeric, 2 * r.analytic, 1e-6);  // numeric 2x vs analytic x
  EXPECT_THAT(r.message, ::testing::HasSubstr("gradients differ"));
}

TEST(Gradcheck, SamplesLargeInputs) {
  Generator gen(0);
  GradcheckOptions options;
  options.max_checks_per_input = 10;
  GradcheckResult r = gradcheck([](const std::vector<Tensor>& in) { return exp(in[0]); },
                                {randn({100, 10}, gen, kFloat64)}, options);
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.checked, 10);
}

TEST(Gradcheck, RejectsFloat32Inputs) {
  EXPECT_THROW(gradcheck([](const std::vector<Tensor>& in) { return in[0]; }, {ones({2})}), DtypeError);
}

}  // namespace
}  // namespace minidl

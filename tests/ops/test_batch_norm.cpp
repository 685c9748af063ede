// batch_norm: the statistics and running updates by hand, gradchecks and error messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "minidl/minidl.h"
#include "support/error_of.h"
#include "support/golden.h"
#include "support/gradcheck.h"

namespace minidl {
namespace {

using testing::error_of;
using testing::expect_gradients_match;
using ::testing::HasSubstr;
using Inputs = std::vector<Tensor>;

TEST(BatchNorm, TrainingNormalisesEachChannelAndUpdatesTheRunningStatistics) {
  // Channel 0: 1, 3, 5, 7 (mean 4, biased var 5, unbiased 20/3); channel 1: all 2 (var 0).
  Tensor x = tensor({1, 2, 3, 2, 5, 2, 7, 2}, {4, 2}, kFloat64);
  Tensor rm = zeros({2}, kFloat64), rv = ones({2}, kFloat64);
  Tensor y = batch_norm(x, rm, rv, Tensor(), Tensor(), true, 0.1, 1e-5);
  EXPECT_NEAR(y.at({0, 0}), -3 / std::sqrt(5 + 1e-5), 1e-12);
  EXPECT_NEAR(y.at({3, 1}), 0.0, 1e-12);
  EXPECT_NEAR(rm.at({0}), 0.4, 1e-12);
  EXPECT_NEAR(rv.at({0}), 0.9 + 0.1 * 20.0 / 3.0, 1e-12);
  EXPECT_NEAR(rv.at({1}), 0.9, 1e-12);
  // Eval: the running statistics normalise, nothing changes.
  Tensor z = batch_norm(x, rm, rv, Tensor(), Tensor(), false, 0.1, 1e-5);
  EXPECT_NEAR(z.at({0, 0}), (1 - 0.4) / std::sqrt(rv.at({0}) + 1e-5), 1e-12);
  EXPECT_NEAR(rm.at({0}), 0.4, 1e-12);
}

TEST(BatchNorm, GradientsMatchFiniteDifferences) {
  Generator gen(4);
  for (bool training : {true, false}) {
    SCOPED_TRACE(training ? "training" : "eval");
    Tensor rm = randn({3}, gen, kFloat64), rv = uniform({3}, 0.5, 1.5, gen, kFloat64);
    auto bn = [=](const Inputs& in) { return batch_norm(in[0], rm, rv, in[1], in[2], training, 0.1, 1e-5); };
    Tensor w = uniform({3}, 0.5, 1.5, gen, kFloat64), b = randn({3}, gen, kFloat64);
    expect_gradients_match(bn, {randn({5, 3}, gen, kFloat64), w, b});
    expect_gradients_match(bn, {randn({2, 3, 4}, gen, kFloat64), w, b});
    expect_gradients_match(bn, {randn({2, 3, 3, 4}, gen, kFloat64), w, b});
    // Without affine parameters.
    expect_gradients_match([=](const Inputs& in) { return batch_norm(in[0], rm, rv, Tensor(), Tensor(), training); },
                           {randn({3, 3, 2, 2}, gen, kFloat64)});
  }
  // No running statistics: batch statistics even in eval mode.
  expect_gradients_match([](const Inputs& in) { return batch_norm(in[0], Tensor(), Tensor(), in[1], in[2], false); },
                         {randn({4, 2, 3}, gen, kFloat64), randn({2}, gen, kFloat64), randn({2}, gen, kFloat64)});
}

TEST(BatchNorm, Errors) {
  Tensor rm = zeros({3}), rv = ones({3});
  EXPECT_THAT(error_of([&] {
                batch_norm(zeros({1, 3}), rm, rv, Tensor(), Tensor(), true);
              }),
              HasSubstr("batch_norm: expected more than 1 value per channel when training, got input shape (1, 3)"));
  EXPECT_THAT(error_of([&] {
                batch_norm(zeros({4, 2}), rm, rv, Tensor(), Tensor(), true);
              }),
              HasSubstr("batch_norm: running_mean must have shape (2) for input shape (4, 2), got (3)"));
  EXPECT_THAT(error_of([&] { batch_norm(zeros({4}), rm, rv, Tensor(), Tensor(), true); }),
              HasSubstr("expected an input with a channel dim (N, C, ...), got shape (4)"));
  EXPECT_THAT(error_of([&] {
                batch_norm(zeros({4, 3}, kFloat64), rm, rv, Tensor(), Tensor(), true);
              }),
              HasSubstr("running_mean is float32, input is float64"));
  EXPECT_THAT(error_of([&] {
                batch_norm(zeros({4, 3}), rm, Tensor(), Tensor(), Tensor(), true);
              }),
              HasSubstr("both be given or both be undefined"));
  // The failed call left the running statistics alone. A single value per channel is fine in eval.
  EXPECT_EQ(rm.to_vector(), (std::vector<double>{0, 0, 0}));
  EXPECT_NO_THROW(batch_norm(zeros({1, 3}), rm, rv, Tensor(), Tensor(), false));
}

}  // namespace
}  // namespace minidl

// sum, mean, max and argmax: values, gradchecks, PyTorch's tie rules and errors; first_non_finite.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "minidl/minidl.h"
#include "support/gradcheck.h"

namespace minidl {
namespace {

using ::testing::HasSubstr;
using testing::expect_gradients_match;
using Inputs = std::vector<Tensor>;

TEST(Reduce, SumAndMeanValues) {
  Tensor a = arange(0.0, 24.0).reshape({2, 3, 4});
  EXPECT_EQ(sum(a).item(), 276.0);
  EXPECT_EQ(mean(a).item(), 11.5);
  Tensor s0 = sum(a, {0});
  EXPECT_EQ(s0.shape(), Shape({3, 4}));
  EXPECT_EQ(s0.at({2, 3}), 11.0 + 23.0);
  Tensor s12 = sum(a, {1, 2}, true);
  EXPECT_EQ(s12.shape(), Shape({2, 1, 1}));
  EXPECT_EQ(s12.at({1, 0, 0}), 210.0);
  Tensor s02 = sum(a, {0, -1});
  EXPECT_EQ(s02.shape(), Shape({3}));
  EXPECT_EQ(s02.at({0}), (0 + 1 + 2 + 3) + (12 + 13 + 14 + 15));
  EXPECT_EQ(mean(a, {2}).at({0, 0}), 1.5);
  // A long contiguous sum uses partial sums; it must still be exact for small integers.
  EXPECT_EQ(sum(ones({1001})).item(), 1001.0);
}

TEST(Reduce, GradientsMatchFiniteDifferences) {
  Generator gen(0);
  Tensor x = randn({3, 4, 5}, gen, kFloat64);
  expect_gradients_match([](const Inputs& in) { return sum(in[0]); }, {x});
  expect_gradients_match([](const Inputs& in) { return mean(in[0]); }, {x});
  expect_gradients_match([](const Inputs& in) { return sum(in[0], {1}); }, {x});
  expect_gradients_match([](const Inputs& in) { return sum(in[0], {0, 2}, true); }, {x});
  expect_gradients_match([](const Inputs& in) { return mean(in[0], {-1}); }, {x});
  expect_gradients_match([](const Inputs& in) { return max(in[0], 1).values; }, {x});
  expect_gradients_match([](const Inputs& in) { return max(in[0], -1, true).values; }, {x});
  expect_gradients_match([](const Inputs& in) { return max(in[0]); }, {x});
  expect_gradients_match([](const Inputs& in) { return sum(in[0] * in[0], {1}); }, {x});
}

TEST(Reduce, MaxIndicesAndTiesFollowPyTorch) {
  // PyTorch 1.13: max(dim) returns the first maximum and sends the gradient there only;
  // max() over all elements splits the gradient evenly between ties.
  Tensor y = tensor({1.0, 3.0, 3.0, 2.0, 2.0, 1.0}, {2, 3}, kFloat64).requires_grad_();
  MaxResult m = max(y, 1);
  EXPECT_EQ(m.indices.to_vector(), (std::vector<double>{1, 0}));
  EXPECT_EQ(m.values.to_vector(), (std::vector<double>{3, 2}));
  sum(m.values).backward();
  EXPECT_EQ(y.grad().to_vector(), (std::vector<double>{0, 1, 0, 1, 0, 0}));
  y.grad().zero_();
  max(y).backward();
  EXPECT_EQ(y.grad().to_vector(), (std::vector<double>{0, 0.5, 0.5, 0, 0, 0}));
  EXPECT_EQ(argmax(y, 1).to_vector(), (std::vector<double>{1, 0}));
  EXPECT_EQ(argmax(y, 1).dtype(), kInt64);
}

// Every position of a vector loop and its scalar tail, both float types, each non-finite kind;
// the largest finite values and subnormals are finite.
TEST(Reduce, FirstNonFiniteFindsTheFirstNanOrInfinityAnywhere) {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  for (Dtype dtype : {kFloat32, kFloat64}) {
    bool single = dtype == kFloat32;
    double largest = single ? std::numeric_limits<float>::max() : std::numeric_limits<double>::max();
    double tiny = single ? std::numeric_limits<float>::denorm_min() : std::numeric_limits<double>::denorm_min();
    std::vector<double> values(37);
    for (size_t i = 0; i < values.size(); ++i) values[i] = i % 3 == 0 ? -largest : (i % 3 == 1 ? tiny : 0.5);
    EXPECT_FALSE(first_non_finite(tensor(values, {37}, dtype)).has_value()) << to_string(dtype);
    for (size_t at : {size_t{0}, size_t{15}, size_t{16}, size_t{36}}) {
      for (double bad : {nan, inf, -inf}) {
        std::vector<double> with = values;
        with[at] = bad;
        with[36] = at == 36 ? bad : nan;  // a later non-finite element is not the one reported
        auto found = first_non_finite(tensor(with, {37}, dtype));
        ASSERT_TRUE(found.has_value()) << to_string(dtype) << " at " << at;
        if (std::isnan(bad)) {
          EXPECT_TRUE(std::isnan(*found));
        } else {
          EXPECT_EQ(*found, bad) << to_string(dtype) << " at " << at;
        }
      }
    }
  }
  // From 2^14 elements the scan is split across threads: a value in either half, or two (the
  // first one is reported), is found on two threads as on one.
  const int threads = get_num_threads();
  for (int t : {1, 2}) {
    set_num_threads(t);
    for (Dtype dtype : {kFloat32, kFloat64}) {
      const int64_t n = 40000;
      Tensor x = full({n}, 0.25, dtype);
      EXPECT_FALSE(first_non_finite(x).has_value());
      for (int64_t at : {int64_t{3}, n / 2 + 5, n - 1}) {
        Tensor y = x.clone();
        y.set({at}, -inf);
        if (at + 1 < n) y.set({n - 1}, nan);
        auto found = first_non_finite(y);
        ASSERT_TRUE(found.has_value()) << t << " threads, at " << at;
        EXPECT_EQ(*found, -inf) << t << " threads, at " << at;
      }
    }
  }
  set_num_threads(threads);
  EXPECT_TRUE(first_non_finite(full({2, 3}, inf)).has_value());
  EXPECT_FALSE(first_non_finite(zeros({0})).has_value());
  EXPECT_FALSE(first_non_finite(tensor(std::vector<int64_t>{1, 2})).has_value());
}

TEST(Reduce, Errors) {
  try {
    (void)sum(ones({2, 3}), {0, 0});
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_THAT(e.what(), HasSubstr("dim 0 appears more than once"));
  }
  EXPECT_THROW(sum(ones({2, 3}), {2}), IndexError);
  EXPECT_THROW(max(zeros({2, 0}), 1), ValueError);
  EXPECT_THROW(max(zeros({0})), ValueError);
}

}  // namespace
}  // namespace minidl

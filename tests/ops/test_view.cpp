// reshape, flatten, squeeze, permute, transpose and concat.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "minidl/minidl.h"
#include "support/gradcheck.h"

namespace minidl {
namespace {

using ::testing::HasSubstr;
using testing::expect_gradients_match;
using Inputs = std::vector<Tensor>;

TEST(View, ReshapeSharesStorageAndInfers) {
  Tensor a = arange(0.0, 12.0);
  Tensor b = a.reshape({3, -1});
  EXPECT_EQ(b.shape(), Shape({3, 4}));
  EXPECT_EQ(b.raw_data(), a.raw_data());
  EXPECT_EQ(flatten(ones({2, 3, 4}), 1).shape(), Shape({2, 12}));
  EXPECT_EQ(ones({2, 3, 4}).flatten().shape(), Shape({24}));
  EXPECT_EQ(unsqueeze(ones({3}), 0).shape(), Shape({1, 3}));
  EXPECT_EQ(squeeze(ones({3, 1}), 1).shape(), Shape({3}));
  EXPECT_EQ(squeeze(ones({3, 2}), 1).shape(), Shape({3, 2}));
}

TEST(View, PermuteAndTransposeMoveElements) {
  Tensor a = arange(0.0, 24.0).reshape({2, 3, 4});
  Tensor p = permute(a, {2, 0, 1});
  EXPECT_EQ(p.shape(), Shape({4, 2, 3}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t k = 0; k < 4; ++k) EXPECT_EQ(p.at({k, i, j}), a.at({i, j, k}));
  Tensor t = arange(0.0, 6.0).reshape({2, 3}).t();
  EXPECT_EQ(t.to_vector(), (std::vector<double>{0, 3, 1, 4, 2, 5}));
}

TEST(View, ConcatAlongDims) {
  Tensor a = ones({2, 2}), b = zeros({2, 1});
  Tensor c = concat({a, b}, 1);
  EXPECT_EQ(c.shape(), Shape({2, 3}));
  EXPECT_EQ(c.to_vector(), (std::vector<double>{1, 1, 0, 1, 1, 0}));
  EXPECT_EQ(concat({a, ones({3, 2})}, 0).shape(), Shape({5, 2}));
}

TEST(View, GradientsMatchFiniteDifferences) {
  Generator gen(0);
  Tensor x = randn({2, 3, 4}, gen, kFloat64);
  expect_gradients_match([](const Inputs& in) { return in[0].reshape({4, 6}); }, {x});
  expect_gradients_match([](const Inputs& in) { return flatten(in[0], 1); }, {x});
  expect_gradients_match([](const Inputs& in) { return permute(in[0], {1, 2, 0}); }, {x});
  expect_gradients_match([](const Inputs& in) { return transpose(in[0], 0, 2); }, {x});
  expect_gradients_match([](const Inputs& in) { return unsqueeze(in[0], 1) * 2.0; }, {x});
  expect_gradients_match([](const Inputs& in) { return concat({in[0], in[1], in[0]}, 1); },
                         {x, randn({2, 2, 4}, gen, kFloat64)});
}

TEST(View, Errors) {
  try {
    (void)ones({2, 3}).reshape({4, 2});
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("reshape: shape (4, 2) is invalid for a tensor of shape (2, 3)"));
  }
  EXPECT_THROW(ones({6}).reshape({-1, -1}), ShapeError);
  EXPECT_THROW(permute(ones({2, 3}), {0, 0}), ValueError);
  EXPECT_THROW(permute(ones({2, 3}), {0}), ShapeError);
  try {
    (void)concat({ones({2, 2}), ones({3, 3})}, 0);
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("concat: tensor 1 is float32 (3, 3)"));
  }
  EXPECT_THROW(concat({}, 0), ValueError);
  EXPECT_THROW(ones({2}).t(), ShapeError);
}

}  // namespace
}  // namespace minidl

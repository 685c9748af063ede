// narrow/slice_rows (views), index_select (batches), gather and one_hot.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "minidl/minidl.h"
#include "support/gradcheck.h"

namespace minidl {
namespace {

using ::testing::HasSubstr;
using testing::expect_gradients_match;
using Inputs = std::vector<Tensor>;

TEST(Index, SliceRowsIsAView) {
  Tensor a = arange(0.0, 12.0).reshape({4, 3});
  Tensor s = slice_rows(a, 1, 3);
  EXPECT_EQ(s.shape(), Shape({2, 3}));
  EXPECT_EQ(s.at({0, 0}), 3.0);
  s.set({0, 0}, -1.0);
  EXPECT_EQ(a.at({1, 0}), -1.0);
  Tensor n = narrow(arange(0.0, 12.0).reshape({4, 3}), 1, 1, 2);
  EXPECT_EQ(n.to_vector(), (std::vector<double>{1, 2, 4, 5, 7, 8, 10, 11}));
}

TEST(Index, IndexSelectGatherAndOneHot) {
  Tensor a = arange(0.0, 12.0).reshape({4, 3});
  Tensor rows = index_select(a, tensor(std::vector<int64_t>{3, 0, 3}));
  EXPECT_EQ(rows.to_vector(), (std::vector<double>{9, 10, 11, 0, 1, 2, 9, 10, 11}));
  Tensor labels = tensor(std::vector<int64_t>{2, 0, 1, 1});
  EXPECT_EQ(index_select(labels, tensor(std::vector<int64_t>{1, 2})).to_vector(), (std::vector<double>{0, 1}));
  Tensor g = gather(a, 1, labels.reshape({4, 1}));
  EXPECT_EQ(g.to_vector(), (std::vector<double>{2, 3, 7, 10}));
  Tensor oh = one_hot(labels, 3);
  EXPECT_EQ(oh.to_vector(), (std::vector<double>{0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 1, 0}));
}

TEST(Index, GradientsMatchFiniteDifferences) {
  Generator gen(0);
  Tensor x = randn({5, 3}, gen, kFloat64);
  Tensor idx = tensor(std::vector<int64_t>{4, 0, 4, 2});  // row 4 twice: its gradients add
  expect_gradients_match([](const Inputs& in) { return narrow(in[0], 0, 1, 3); }, {x});
  expect_gradients_match([](const Inputs& in) { return narrow(in[0], 1, 1, 2); }, {x});
  expect_gradients_match([&](const Inputs& in) { return index_select(in[0], idx); }, {x});
  Tensor cols = tensor(std::vector<int64_t>{0, 2, 2, 1, 0, 1, 1, 1, 0, 2}, {5, 2});
  expect_gradients_match([&](const Inputs& in) { return gather(in[0], 1, cols); }, {x});
  Tensor rowsidx = tensor(std::vector<int64_t>{4, 0, 3}, {1, 3});
  expect_gradients_match([&](const Inputs& in) { return gather(in[0], 0, rowsidx); }, {x});
}

TEST(Index, OutOfRangeIndicesAreErrors) {
  Tensor a = ones({4, 3});
  try {
    (void)index_select(a, tensor(std::vector<int64_t>{0, 4}));
    FAIL();
  } catch (const IndexError& e) {
    EXPECT_THAT(e.what(), HasSubstr("index 4 at position 1 is out of range for size 4"));
  }
  EXPECT_THROW(index_select(a, tensor({0.0})), DtypeError);
  EXPECT_THROW(gather(a, 1, tensor(std::vector<int64_t>{3, 0, 0, 0}, {4, 1})), IndexError);
  EXPECT_THROW(gather(a, 1, tensor(std::vector<int64_t>{0, 0}, {2, 1})), ShapeError);
  EXPECT_THROW(one_hot(tensor(std::vector<int64_t>{0, 2}), 2), IndexError);
  EXPECT_THROW(slice_rows(a, 2, 5), IndexError);
  EXPECT_THROW(narrow(a, 1, 2, 2), IndexError);
}

}  // namespace
}  // namespace minidl

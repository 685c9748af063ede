// Shape: broadcasting rules, dim wrapping and their error messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "minidl/error.h"
#include "minidl/shape.h"

namespace minidl {
namespace {

using ::testing::HasSubstr;

TEST(Shape, BroadcastsByNumPyRules) {
  EXPECT_EQ(broadcast_shapes("op", {50, 25}, {25}), Shape({50, 25}));
  EXPECT_EQ(broadcast_shapes("op", {3, 1, 5}, {4, 1}), Shape({3, 4, 5}));
  EXPECT_EQ(broadcast_shapes("op", {}, {2, 2}), Shape({2, 2}));
  EXPECT_EQ(broadcast_shapes("op", {1}, {0}), Shape({0}));
}

TEST(Shape, BroadcastErrorNamesOpAndBothShapes) {
  try {
    broadcast_shapes("add", {50, 24}, {25});
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("add"));
    EXPECT_THAT(e.what(), HasSubstr("(50, 24)"));
    EXPECT_THAT(e.what(), HasSubstr("(25)"));
  }
}

TEST(Shape, WrapsNegativeDims) {
  EXPECT_EQ(wrap_dim("sum", -1, 3), 2);
  EXPECT_EQ(wrap_dim("sum", 0, 3), 0);
  try {
    wrap_dim("sum", 3, 3);
    FAIL();
  } catch (const IndexError& e) {
    EXPECT_THAT(e.what(), HasSubstr("sum: dim 3 is out of range for a tensor with 3 dims"));
  }
  EXPECT_THROW(Shape({1, 2, 3, 4, 5, 6, 7, 8, 9}), ShapeError);
  EXPECT_EQ(to_string(Shape{}), "()");
  EXPECT_EQ(Shape({2, 3, 4}).numel(), 24);
}

// An integer gives both sizes, as PyTorch's _pair; printed as PyTorch prints a pair.
TEST(Size2, OneIntegerGivesBothAndPrintsAsAPair) {
  EXPECT_EQ(Size2(3), Size2(3, 3));
  EXPECT_FALSE(Size2(2, 3) == Size2(3, 2));
  EXPECT_EQ(to_string(Size2(5)), "(5, 5)");
  EXPECT_EQ(to_string(Size2(1, 0)), "(1, 0)");
}

}  // namespace
}  // namespace minidl

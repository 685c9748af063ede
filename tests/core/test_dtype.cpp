// Dtype: the names used in errors, element sizes, and which dtypes are floating.
#include <gtest/gtest.h>

#include "minidl/dtype.h"

namespace minidl {
namespace {

TEST(Dtype, NamesSizesAndFloatingness) {
  EXPECT_EQ(to_string(kFloat32), "float32");
  EXPECT_EQ(to_string(kFloat64), "float64");
  EXPECT_EQ(to_string(kInt64), "int64");
  EXPECT_EQ(element_size(kFloat32), 4u);
  EXPECT_EQ(element_size(kFloat64), 8u);
  EXPECT_EQ(element_size(kInt64), 8u);
  EXPECT_TRUE(is_floating(kFloat64));
  EXPECT_FALSE(is_floating(kInt64));
  static_assert(dtype_of<float>() == kFloat32 && dtype_of<int64_t>() == kInt64);
}

}  // namespace
}  // namespace minidl

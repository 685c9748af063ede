// set_num_threads validates its argument and the same thread count gives the same bits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "minidl/minidl.h"

namespace minidl {
namespace {

TEST(Threads, SetAndGet) {
  int before = get_num_threads();
  set_num_threads(1);
  EXPECT_EQ(get_num_threads(), 1);
  set_num_threads(2);
  EXPECT_EQ(get_num_threads(), 2);
  try {
    set_num_threads(0);
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("got 0"));
  }
  set_num_threads(before);
}

TEST(Threads, SameThreadCountGivesBitwiseIdenticalProducts) {
  Generator gen(0);
  Tensor a = randn({300, 200}, gen), b = randn({200, 300}, gen);
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    EXPECT_EQ(matmul(a, b).to_vector(), matmul(a, b).to_vector());
  }
  set_num_threads(1);
}

}  // namespace
}  // namespace minidl

// Subset: a range of another data set, read through shifted indices, and its range errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "minidl/minidl.h"

namespace minidl::data {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<TensorDataset> ten_examples() {
  Tensor inputs = arange(0.0, 20.0, 1.0, kFloat64).reshape({10, 2});
  Tensor labels = tensor(std::vector<int64_t>{0, 1, 0, 1, 0, 1, 0, 1, 0, 1}, {10});
  return std::make_shared<TensorDataset>(inputs, labels, Tensor(), 2);
}

TEST(Subset, ReadsItsRangeOfTheBase) {
  Subset tail(ten_examples(), 7, 3);
  EXPECT_EQ(tail.size(), 3);
  EXPECT_EQ(tail.input_shape(), Shape({2}));
  EXPECT_EQ(tail.num_classes(), 2);
  Batch b = tail.get_batch(tensor(std::vector<int64_t>{2, 0}, {2}));
  EXPECT_EQ(b.inputs.to_vector(), (std::vector<double>{18, 19, 14, 15}));  // examples 9 and 7
  EXPECT_EQ(b.labels.to_vector(), (std::vector<double>{1, 1}));
}

TEST(Subset, RangeAndIndexErrors) {
  try {
    Subset(ten_examples(), 8, 3);
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_THAT(e.what(), HasSubstr("Subset: examples 8 to 11 are out of range for a data set of 10"));
  }
  Subset head(ten_examples(), 0, 4);
  try {
    head.get_batch(tensor(std::vector<int64_t>{4}, {1}));
    FAIL();
  } catch (const IndexError& e) {
    EXPECT_THAT(e.what(), HasSubstr("Subset: index 4 is out of range for size 4"));
  }
}

}  // namespace
}  // namespace minidl::data

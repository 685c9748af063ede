// ImageRows: (1, H, W) or flat (H * W) examples read as H steps of W features, labels and targets
// passed through, and the data sets it refuses (null, or examples that are not rows * cols).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "minidl/data/fashion_mnist.h"
#include "minidl/data/image_rows.h"
#include "minidl/error.h"

using namespace minidl;
using ::testing::HasSubstr;

TEST(ImageRows, ReadsImagesAsSequencesOfRows) {
  data::FashionMnistOptions o;
  o.limit = 5;
  auto images = std::make_shared<data::FashionMnist>(o);
  data::ImageRows rows(images, 28, 28);
  EXPECT_EQ(rows.input_shape(), (Shape{28, 28}));
  Tensor idx = arange(int64_t{3});
  data::Batch b = rows.get_batch(idx), base = images->get_batch(idx);
  EXPECT_EQ(b.inputs.shape(), (Shape{3, 28, 28}));
  EXPECT_EQ(b.inputs.to_vector(), base.inputs.to_vector());
  EXPECT_EQ(b.labels.to_vector(), base.labels.to_vector());
  EXPECT_THROW(data::ImageRows(images, 27, 28), DataError);
}

namespace {

// n examples of `shape`, where value j of example i is 100 i + j; label i % 3; target -i.
std::shared_ptr<data::TensorDataset> numbered(int64_t n, const Shape& shape) {
  std::vector<int64_t> dims{n};
  for (int64_t d = 0; d < shape.dim(); ++d) dims.push_back(shape[d]);
  const int64_t per = shape.numel();
  std::vector<double> values, targets;
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < per; ++j) values.push_back(100.0 * i + j);
    labels.push_back(i % 3);
    targets.push_back(-static_cast<double>(i));
  }
  return std::make_shared<data::TensorDataset>(tensor(values, Shape(dims)), tensor(labels), tensor(targets, {n, 1}), 3);
}

}  // namespace

// Flat examples of rows * cols values: row r of an example is values [r * cols, (r + 1) * cols),
// for any order of indices; size, classes, labels and targets are the base's.
TEST(ImageRows, FlatExamplesBecomeRowsInOrder) {
  auto base = numbered(5, {12});
  data::ImageRows rows(base, 3, 4);
  EXPECT_EQ(rows.size(), 5);
  EXPECT_EQ(rows.num_classes(), 3);
  EXPECT_EQ(rows.input_shape(), (Shape{3, 4}));
  Tensor idx = tensor(std::vector<int64_t>{4, 0, 2});
  data::Batch b = rows.get_batch(idx), expected = base->get_batch(idx);
  ASSERT_EQ(b.inputs.shape(), (Shape{3, 3, 4}));
  for (int64_t k = 0; k < 3; ++k) {
    const double example = idx.to_vector()[static_cast<size_t>(k)];
    for (int64_t r = 0; r < 3; ++r)
      for (int64_t c = 0; c < 4; ++c) EXPECT_EQ(b.inputs.at({k, r, c}), 100.0 * example + r * 4 + c);
  }
  EXPECT_EQ(b.labels.to_vector(), expected.labels.to_vector());
  EXPECT_EQ(b.targets.to_vector(), expected.targets.to_vector());
}

// (1, H, W) examples (one channel) lose the channel; non-square images keep H and W apart.
TEST(ImageRows, OneChannelImagesDropTheChannel) {
  auto base = numbered(2, {1, 2, 5});
  data::ImageRows rows(base, 2, 5);
  data::Batch b = rows.get_batch(tensor(std::vector<int64_t>{1}));
  EXPECT_EQ(b.inputs.shape(), (Shape{1, 2, 5}));
  EXPECT_EQ(b.inputs.at({0, 1, 0}), 105.0);
  EXPECT_EQ(b.inputs.to_vector(), base->get_batch(tensor(std::vector<int64_t>{1})).inputs.to_vector());
}

TEST(ImageRows, ErrorsNameTheShapes) {
  try {
    data::ImageRows(nullptr, 28, 28);
    ADD_FAILURE() << "no error for a null data set";
  } catch (const ValueError& e) {
    EXPECT_THAT(e.what(), HasSubstr("ImageRows: the image data set is null"));
  }
  auto base = numbered(2, {1, 3, 4});
  try {
    data::ImageRows(base, 4, 4);
    ADD_FAILURE() << "no error for 4 x 4";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("ImageRows: examples of shape (1, 3, 4) are not 4 rows of 4 pixels"));
  }
  // Sizes must be positive even when their product is right: -3 * -4 = 12.
  for (auto [r, c] : {std::pair<int64_t, int64_t>{-3, -4}, {0, 12}, {12, 0}}) {
    EXPECT_THROW(data::ImageRows(base, r, c), DataError) << r << " x " << c;
  }
  // Transposed sizes hold as many pixels: allowed (rows of 3 pixels), not an error.
  EXPECT_EQ(data::ImageRows(base, 4, 3).input_shape(), (Shape{4, 3}));
}

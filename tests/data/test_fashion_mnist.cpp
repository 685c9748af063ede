// FashionMnist on small generated files (every check of the loader), and on Debian's real files
// when dataset-fashion-mnist is installed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "minidl/data/fashion_mnist.h"
#include "minidl/data/idx.h"
#include "minidl/data/loader.h"
#include "minidl/error.h"
#include "minidl/threads.h"
#include "temp_dir.h"

using namespace minidl;
using namespace minidl::data;
using minidl::testing::TempDir;
using ::testing::HasSubstr;

namespace {

// A split of n images where pixel j of image i is (i + j) % 256, and label i % 10.
void write_split(const TempDir& dir, const std::string& prefix, int64_t n, int64_t rows = 28, int64_t cols = 28,
                 int64_t labels = -1) {
  IdxArray images{{n, rows, cols}, {}};
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < rows * cols; ++j) images.data.push_back(static_cast<uint8_t>((i + j) % 256));
  IdxArray label{{labels < 0 ? n : labels}, {}};
  for (int64_t i = 0; i < label.dims[0]; ++i) label.data.push_back(static_cast<uint8_t>(i % 10));
  write_idx(dir.path(prefix + "-images-idx3-ubyte.gz"), images);
  write_idx(dir.path(prefix + "-labels-idx1-ubyte.gz"), label);
}

std::string error_of(const FashionMnistOptions& options) {
  try {
    FashionMnist d(options);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(FashionMnist, BatchesAreBytesOver255InNchw) {
  TempDir dir;
  write_split(dir, "train", 12);
  write_split(dir, "t10k", 3);
  FashionMnist train({.dir = dir.dir()});
  FashionMnist test({.dir = dir.dir(), .train = false});
  EXPECT_EQ(train.size(), 12);
  EXPECT_EQ(test.size(), 3);
  EXPECT_EQ(train.input_shape(), (Shape{1, 28, 28}));
  EXPECT_EQ(train.num_classes(), 10);
  Batch b = train.get_batch(tensor(std::vector<int64_t>{11, 2}));
  ASSERT_EQ(b.inputs.shape(), (Shape{2, 1, 28, 28}));
  EXPECT_EQ(b.inputs.dtype(), kFloat32);
  EXPECT_FLOAT_EQ(b.inputs.at({0, 0, 0, 0}), 11 / 255.0f);
  EXPECT_FLOAT_EQ(b.inputs.at({0, 0, 9, 20}), ((11 + 9 * 28 + 20) % 256) / 255.0f);
  EXPECT_FLOAT_EQ(b.inputs.at({1, 0, 27, 27}), ((2 + 783) % 256) / 255.0f);
  EXPECT_EQ(b.labels.to_vector(), (std::vector<double>{1, 2}));
  EXPECT_THROW(train.get_batch(tensor(std::vector<int64_t>{12})), IndexError);
}

TEST(FashionMnist, FlattenNormalizeAndLimit) {
  TempDir dir;
  write_split(dir, "train", 20);
  FashionMnist d({.dir = dir.dir(), .limit = 5, .flatten = true, .normalize = true, .mean = 0.5, .std = 0.25});
  EXPECT_EQ(d.size(), 5);
  EXPECT_EQ(d.images().size(), 5u * 784);
  EXPECT_EQ(d.input_shape(), (Shape{784}));
  Batch b = d.get_batch(tensor(std::vector<int64_t>{4}));
  ASSERT_EQ(b.inputs.shape(), (Shape{1, 784}));
  EXPECT_FLOAT_EQ(b.inputs.at({0, 0}), (4 / 255.0f - 0.5f) / 0.25f);
  EXPECT_FLOAT_EQ(b.inputs.at({0, 251}), (255 / 255.0f - 0.5f) / 0.25f);
  EXPECT_THROW(FashionMnist({.dir = dir.dir(), .limit = -1}), ValueError);
  EXPECT_THROW(FashionMnist({.dir = dir.dir(), .normalize = true, .std = 0}), ValueError);
}

// A batch of 64 rows is converted by two threads (from 21 rows, fashion_mnist.cpp): every pixel
// and label of every row must still be its own, whichever thread wrote it.
TEST(FashionMnist, LargeBatchesOnTwoThreadsHoldEveryRow) {
  TempDir dir;
  write_split(dir, "train", 100);
  FashionMnist d({.dir = dir.dir(), .flatten = true});
  std::vector<int64_t> order;
  for (int64_t i = 0; i < 64; ++i) order.push_back((i * 37) % 100);
  const int threads = get_num_threads();
  set_num_threads(2);
  Batch b = d.get_batch(tensor(order));
  set_num_threads(threads);
  ASSERT_EQ(b.inputs.shape(), (Shape{64, 784}));
  const float* x = b.inputs.data<float>();
  for (int64_t i = 0; i < 64; ++i) {
    EXPECT_EQ(b.labels.data<int64_t>()[i], order[i] % 10) << "row " << i;
    for (int64_t j = 0; j < 784; j += 97) {
      ASSERT_FLOAT_EQ(x[i * 784 + j], static_cast<float>((order[i] + j) % 256) / 255.0f) << "row " << i << ", pixel " << j;
    }
  }
}

TEST(FashionMnist, WorksWithTheDataLoader) {
  TempDir dir;
  write_split(dir, "train", 25);
  DataLoader loader(FashionMnist({.dir = dir.dir()}), {.batch_size = 10, .shuffle = true});
  int64_t seen = 0;
  for (const Batch& b : loader) {
    EXPECT_EQ(b.inputs.size(1), 1);
    for (int64_t i = 0; i < b.size(); ++i) {
      // label i % 10 and first pixel i: they stay together
      EXPECT_EQ(static_cast<int64_t>(std::lround(b.inputs.at({i, 0, 0, 0}) * 255)) % 10, b.labels.at({i}));
    }
    seen += b.size();
  }
  EXPECT_EQ(seen, 25);
}

TEST(FashionMnist, MissingDirectorySaysHowToInstall) {
  std::string msg = error_of({.dir = "/nonexistent/fashion-mnist"});
  EXPECT_THAT(msg, HasSubstr("/nonexistent/fashion-mnist not found"));
  EXPECT_THAT(msg, HasSubstr("apt-get install dataset-fashion-mnist"));
  TempDir dir;
  EXPECT_THAT(error_of({.dir = dir.dir()}), HasSubstr("train-images-idx3-ubyte.gz not found"));
}

TEST(FashionMnist, InconsistentFilesAreErrorsNamingThem) {
  {
    TempDir dir;
    write_split(dir, "train", 6, 28, 28, 5);
    std::string msg = error_of({.dir = dir.dir()});
    EXPECT_THAT(msg, HasSubstr("train-images-idx3-ubyte.gz has 6 images but"));
    EXPECT_THAT(msg, HasSubstr("train-labels-idx1-ubyte.gz has 5 labels"));
  }
  {
    TempDir dir;
    write_split(dir, "train", 2, 27, 28);
    EXPECT_THAT(error_of({.dir = dir.dir()}), HasSubstr("train-images-idx3-ubyte.gz: images are 27x28, Fashion-MNIST's are 28x28"));
  }
  {
    TempDir dir;
    write_split(dir, "train", 2);
    write_idx(dir.path("train-labels-idx1-ubyte.gz"), IdxArray{{2}, {3, 10}});
    EXPECT_THAT(error_of({.dir = dir.dir()}), HasSubstr("train-labels-idx1-ubyte.gz: label 10 at index 1 is outside [0, 10)"));
  }
  {
    TempDir dir;
    write_split(dir, "train", 2);
    std::filesystem::resize_file(dir.path("train-images-idx3-ubyte.gz"), 30);
    EXPECT_THAT(error_of({.dir = dir.dir()}), HasSubstr("train-images-idx3-ubyte.gz"));
  }
}

TEST(FashionMnist, DebianTestSplit) {
  if (!std::filesystem::exists(std::string(kFashionMnistDir) + "/t10k-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "Fashion-MNIST is not installed: apt-get install dataset-fashion-mnist";
  }
  FashionMnist test({.train = false});
  ASSERT_EQ(test.size(), 10000);
  std::vector<int64_t> per_class(10, 0);
  for (uint8_t label : test.labels()) ++per_class[label];
  EXPECT_EQ(per_class, std::vector<int64_t>(10, 1000));
  // Pixel sums of the first and last test images, computed independently with NumPy.
  Batch b = test.get_batch(tensor(std::vector<int64_t>{0, 9999}));
  double first = 0, last = 0;
  for (int64_t j = 0; j < 784; ++j) {
    first += std::lround(b.inputs.at({0, 0, j / 28, j % 28}) * 255);
    last += std::lround(b.inputs.at({1, 0, j / 28, j % 28}) * 255);
  }
  EXPECT_EQ(first, 33456);
  EXPECT_EQ(last, 24390);
  EXPECT_EQ(b.labels.at({0}), 9);  // an ankle boot
  EXPECT_STREQ(FashionMnist::kClassNames[9], "Ankle boot");
}

TEST(FashionMnist, DebianTrainSubset) {
  if (!std::filesystem::exists(std::string(kFashionMnistDir) + "/train-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "Fashion-MNIST is not installed: apt-get install dataset-fashion-mnist";
  }
  FashionMnist train({.limit = 2000});
  ASSERT_EQ(train.size(), 2000);
  std::vector<int64_t> per_class(10, 0);
  for (uint8_t label : train.labels()) ++per_class[label];
  // The class counts of the first 2000 training labels, from NumPy.
  EXPECT_EQ(per_class, (std::vector<int64_t>{194, 216, 202, 195, 186, 200, 194, 215, 198, 200}));
}

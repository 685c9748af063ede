// Fashion-MNIST: the two IDX files of a split, checked against each other; batches are converted
// from bytes to float32 on the fly (a 784-float row costs less to make than to read from RAM).
#include "minidl/data/fashion_mnist.h"

#include <cmath>
#include <filesystem>
#include <string>

#include "minidl/data/idx.h"
#include "minidl/error.h"
#include "../thread_pool.h"

namespace minidl::data {

const std::array<const char*, 10> FashionMnist::kClassNames = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

namespace {

// "<dir>/<name>.gz" if it exists, else the uncompressed "<dir>/<name>", else an error.
std::string find_file(const std::string& dir, const std::string& name) {
  namespace fs = std::filesystem;
  for (const std::string& candidate : {dir + "/" + name + ".gz", dir + "/" + name}) {
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) return candidate;
  }
  throw DataError("Fashion-MNIST: " + dir + "/" + name + ".gz not found (nor " + name + " uncompressed)");
}

}  // namespace

FashionMnist::FashionMnist(FashionMnistOptions options) : options_(std::move(options)) {
  namespace fs = std::filesystem;
  const FashionMnistOptions& o = options_;
  if (o.limit < 0) throw ValueError("FashionMnist: limit must be >= 0 (0 = all), got " + std::to_string(o.limit));
  if (o.normalize && !(o.std > 0 && std::isfinite(o.std) && std::isfinite(o.mean))) {
    throw ValueError("FashionMnist: normalize needs a finite mean and a std > 0, got mean " + std::to_string(o.mean) +
                     ", std " + std::to_string(o.std));
  }
  std::error_code ec;
  if (!fs::is_directory(o.dir, ec)) {
    throw DataError("Fashion-MNIST: directory " + o.dir + " not found; install the data set with `apt-get install "
                    "dataset-fashion-mnist` (it goes to " + std::string(kFashionMnistDir) + "), or point data.dir at "
                    "a directory holding the four IDX files");
  }
  std::string prefix = o.train ? "train" : "t10k";
  images_path_ = find_file(o.dir, prefix + "-images-idx3-ubyte");
  labels_path_ = find_file(o.dir, prefix + "-labels-idx1-ubyte");
  IdxArray images = read_idx_images(images_path_);
  IdxArray labels = read_idx_labels(labels_path_, kNumClasses);
  if (images.dims[1] != kRows || images.dims[2] != kCols) {
    throw DataError(images_path_ + ": images are " + std::to_string(images.dims[1]) + "x" +
                    std::to_string(images.dims[2]) + ", Fashion-MNIST's are 28x28");
  }
  if (images.dims[0] != labels.dims[0]) {
    throw DataError("Fashion-MNIST: " + images_path_ + " has " + std::to_string(images.dims[0]) + " images but " +
                    labels_path_ + " has " + std::to_string(labels.dims[0]) + " labels");
  }
  int64_t n = images.dims[0];
  if (n == 0) throw DataError(images_path_ + ": holds no images");
  if (o.limit > 0 && o.limit < n) {
    n = o.limit;
    images.data.resize(static_cast<size_t>(n * kRows * kCols));
    images.data.shrink_to_fit();
    labels.data.resize(static_cast<size_t>(n));
  }
  images_ = std::make_shared<const std::vector<uint8_t>>(std::move(images.data));
  labels_ = std::make_shared<const std::vector<uint8_t>>(std::move(labels.data));
}

Shape FashionMnist::input_shape() const {
  return options_.flatten ? Shape{kRows * kCols} : Shape{1, kRows, kCols};
}

Batch FashionMnist::get_batch(const Tensor& indices) const {
  if (!indices.defined() || indices.dtype() != kInt64 || indices.dim() != 1) {
    throw ValueError("FashionMnist::get_batch: indices must be int64 of shape (B), got " +
                     (indices.defined() ? to_string(indices.dtype()) + " " + to_string(indices.shape()) : "undefined"));
  }
  const int64_t b = indices.size(0), pixels = kRows * kCols, n = size();
  const int64_t* idx = indices.data<int64_t>();
  for (int64_t i = 0; i < b; ++i) {
    if (idx[i] < 0 || idx[i] >= n) {
      throw IndexError("FashionMnist::get_batch: index " + std::to_string(idx[i]) + " at position " +
                       std::to_string(i) + " is out of range for " + std::to_string(n) + " examples");
    }
  }
  // x = byte / 255, then (x - mean) / std: one multiply-add per pixel, which vectorises (a
  // 256-entry lookup table did not, and cost 8% of an MLP epoch).
  const float scale = static_cast<float>(options_.normalize ? 1.0 / (255.0 * options_.std) : 1.0 / 255.0);
  const float shift = static_cast<float>(options_.normalize ? -options_.mean / options_.std : 0.0);
  Shape shape = options_.flatten ? Shape{b, pixels} : Shape{b, 1, kRows, kCols};
  Batch batch;
  batch.inputs = Tensor::empty(shape, kFloat32);
  batch.labels = Tensor::empty({b}, kInt64);
  float* x = batch.inputs.data<float>();
  int64_t* y = batch.labels.data<int64_t>();
  const uint8_t* images = images_->data();
  const uint8_t* labels = labels_->data();
  // Rows split across the team from 21 rows (2^14 pixels): at batch 128 this was 5% of a
  // one-thread MLP step, all of it serial on two. A row is 49 cache lines, so no line is shared.
  detail::parallel_blocks(b, detail::kParallelUpdateElements / pixels, 1, [&](int64_t begin, int64_t end) {
    // Locals, not the captures: GCC cannot tell that the float stores miss a float held in the
    // closure, reloads it every pixel and gives up vectorising (a one-thread MLP epoch ran 28%
    // slower).
    const float a = scale, c = shift;
    for (int64_t i = begin; i < end; ++i) {
      const uint8_t* __restrict src = images + idx[i] * pixels;
      float* __restrict dst = x + i * pixels;
      for (int64_t j = 0; j < pixels; ++j) dst[j] = static_cast<float>(src[j]) * a + c;
      y[i] = labels[idx[i]];
    }
  });
  return batch;
}

}  // namespace minidl::data

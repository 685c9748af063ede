// Fashion-MNIST (Xiao et al. 2017): 60k training and 10k test 28x28 grey images of 10 kinds of
// clothing, from Debian's dataset-fashion-mnist package. Images are kept once as bytes and turned
// into float32 per batch, so the training set takes 47 MB, not 188.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "minidl/data/dataset.h"

namespace minidl::data {

inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

struct FashionMnistOptions {
  std::string dir = kFashionMnistDir;  // data.dir: holds {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]
  bool train = true;                   // the 60k training split, else the 10k test split
  int64_t limit = 0;                   // keep only the first `limit` examples (0: all)
  bool flatten = false;                // inputs (N, 784) instead of (N, 1, 28, 28)
  bool normalize = false;              // (x - mean) / std after scaling to [0, 1]
  // The training split's pixel mean and std (population std, over all 47M pixels), in [0, 1]
  // units; the values that tutorials hard-code as 0.2860 and 0.3530.
  double mean = 0.28604059698879553;
  double std = 0.35302424451492237;
};

class FashionMnist : public Dataset {
 public:
  static constexpr int64_t kRows = 28, kCols = 28, kNumClasses = 10;
  static const std::array<const char*, 10> kClassNames;  // "T-shirt/top", "Trouser", ...

  // Reads and validates both files of the split. A missing directory is a DataError that says
  // `apt-get install dataset-fashion-mnist`; any bad file is a DataError naming it.
  FashionMnist() : FashionMnist(FashionMnistOptions{}) {}
  explicit FashionMnist(FashionMnistOptions options);

  int64_t size() const override { return static_cast<int64_t>(labels_->size()); }
  // inputs float32 (B, 1, 28, 28) or (B, 784) in [0, 1] (or normalised); labels int64 (B).
  Batch get_batch(const Tensor& indices) const override;
  Shape input_shape() const override;
  int64_t num_classes() const override { return kNumClasses; }

  const FashionMnistOptions& options() const { return options_; }
  const std::vector<uint8_t>& images() const { return *images_; }  // size() * 784 bytes
  const std::vector<uint8_t>& labels() const { return *labels_; }
  std::string images_path() const { return images_path_; }
  std::string labels_path() const { return labels_path_; }

 private:
  FashionMnistOptions options_;
  std::string images_path_, labels_path_;
  // Shared, so copies of the data set (a DataLoader's) do not copy the images.
  std::shared_ptr<const std::vector<uint8_t>> images_, labels_;
};

}  // namespace minidl::data

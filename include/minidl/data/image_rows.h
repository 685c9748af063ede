// ImageRows: single-channel images read row by row as sequences ("sequential Fashion-MNIST"):
// a (1, H, W) or (H * W) example becomes H steps of W features, for the recurrent layers.
#pragma once

#include <memory>

#include "minidl/data/dataset.h"

namespace minidl::data {

// inputs (B, 1, H, W) -> (B, H, W); labels and targets as the base's.
class ImageRows : public Dataset {
 public:
  // `rows`, `cols`: H and W (needed when the base gives flat (H * W) examples). A DataError if
  // the base's examples do not hold rows * cols values.
  ImageRows(std::shared_ptr<const Dataset> images, int64_t rows, int64_t cols);

  int64_t size() const override { return images_->size(); }
  Batch get_batch(const Tensor& indices) const override;
  Shape input_shape() const override { return {rows_, cols_}; }
  int64_t num_classes() const override { return images_->num_classes(); }

 private:
  std::shared_ptr<const Dataset> images_;
  int64_t rows_, cols_;
};

}  // namespace minidl::data

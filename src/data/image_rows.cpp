// ImageRows: a reshape of each batch's inputs; the pixels are not copied.
#include "minidl/data/image_rows.h"

#include "minidl/error.h"

namespace minidl::data {

ImageRows::ImageRows(std::shared_ptr<const Dataset> images, int64_t rows, int64_t cols)
    : images_(std::move(images)), rows_(rows), cols_(cols) {
  if (!images_) throw ValueError("ImageRows: the image data set is null");
  if (rows <= 0 || cols <= 0 || images_->input_shape().numel() != rows * cols) {
    throw DataError("ImageRows: examples of shape " + to_string(images_->input_shape()) + " are not " +
                    std::to_string(rows) + " rows of " + std::to_string(cols) + " pixels");
  }
}

Batch ImageRows::get_batch(const Tensor& indices) const {
  Batch b = images_->get_batch(indices);
  b.inputs = b.inputs.reshape({b.inputs.size(0), rows_, cols_});
  return b;
}

}  // namespace minidl::data

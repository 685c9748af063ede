// Subset: a contiguous range of another data set's examples (a validation split held out from the
// end of a training file), without copying them.
#pragma once

#include <memory>

#include "minidl/data/dataset.h"

namespace minidl::data {

class Subset : public Dataset {
 public:
  // Examples begin .. begin+size-1 of `base`; throws ValueError when the range is out of bounds.
  Subset(std::shared_ptr<const Dataset> base, int64_t begin, int64_t size);

  int64_t size() const override { return size_; }
  Batch get_batch(const Tensor& indices) const override;
  Shape input_shape() const override { return base_->input_shape(); }
  int64_t num_classes() const override { return base_->num_classes(); }

 private:
  std::shared_ptr<const Dataset> base_;
  int64_t begin_, size_;
};

}  // namespace minidl::data

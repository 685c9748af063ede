// Subset: shifts the requested indices by the range's start.
#include "minidl/data/subset.h"

#include <string>

#include "minidl/error.h"

namespace minidl::data {

Subset::Subset(std::shared_ptr<const Dataset> base, int64_t begin, int64_t size)
    : base_(std::move(base)), begin_(begin), size_(size) {
  if (!base_ || begin < 0 || size < 0 || begin + size > base_->size()) {
    throw ValueError("Subset: examples " + std::to_string(begin) + " to " + std::to_string(begin + size) +
                     " are out of range for a data set of " + std::to_string(base_ ? base_->size() : 0));
  }
}

Batch Subset::get_batch(const Tensor& indices) const {
  Tensor shifted = Tensor::empty(indices.shape(), kInt64);
  const int64_t* in = indices.data<int64_t>();
  int64_t* out = shifted.data<int64_t>();
  for (int64_t i = 0, n = indices.numel(); i < n; ++i) {
    if (in[i] < 0 || in[i] >= size_) {
      throw IndexError("Subset: index " + std::to_string(in[i]) + " is out of range for size " + std::to_string(size_));
    }
    out[i] = in[i] + begin_;
  }
  return base_->get_batch(shifted);
}

}  // namespace minidl::data

// Indexing: slices and gathers (batches of rows, the target logits of a classifier).
#pragma once

#include "minidl/tensor.h"

namespace minidl {

// Elements start .. start+length-1 along dim; a view sharing storage when dim is 0.
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);
// Rows start .. end-1 (dim 0): a view.
Tensor slice_rows(const Tensor& x, int64_t start, int64_t end);
// out[i] = x[index[i]] along dim 0 (the rows of a batch); index int64, 1-D. Any dtype.
Tensor index_select(const Tensor& x, const Tensor& index);
// out[..., j, ...] = x[..., index[..., j, ...], ...] along dim (PyTorch's gather); index int64
// with x's shape except along dim.
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
// One-hot rows of `num_classes` from int64 class indices of shape (N) -> (N, num_classes).
Tensor one_hot(const Tensor& labels, int64_t num_classes, Dtype dtype = kFloat32);

}  // namespace minidl

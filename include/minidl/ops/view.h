// Shape ops: reshape (a view), flatten, transpose/permute (copies: tensors stay contiguous),
// concat.
#pragma once

#include <vector>

#include "minidl/tensor.h"

namespace minidl {

// One size may be -1 (inferred). Shares storage.
Tensor reshape(const Tensor& x, const Shape& shape);
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor squeeze(const Tensor& x, int64_t dim);
// out.shape[i] = x.shape[dims[i]].
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims);
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);
// Concatenates along `dim`; all other sizes must match.
Tensor concat(const std::vector<Tensor>& xs, int64_t dim = 0);

}  // namespace minidl

// Reductions: sum, mean and max over all elements or along dims; the finiteness scan.
#pragma once

#include <optional>
#include <vector>

#include "minidl/tensor.h"

namespace minidl {

Tensor sum(const Tensor& x);  // -> () scalar
Tensor mean(const Tensor& x);
// Along `dims` (negative counts from the end; duplicates are an error); keepdim keeps them as 1.
Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);

struct MaxResult {
  Tensor values;   // x's dtype
  Tensor indices;  // int64; the first maximum on ties, as PyTorch on CPU
};
// Max along `dim`. The gradient goes to the returned index only (PyTorch).
MaxResult max(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor max(const Tensor& x);  // over all elements (gradient split evenly between ties, as PyTorch)
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim = false);

// The first element of x that is NaN or +-inf (in row-major order), or nothing when every element
// is finite; integer and bool tensors always are. Not differentiable. Cheap enough to run on every
// gradient after every step (a training loop's divergence check): bool(isfinite(x).all()) in
// PyTorch's terms, without a mask tensor.
std::optional<double> first_non_finite(const Tensor& x);

}  // namespace minidl

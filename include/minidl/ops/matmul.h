// Matrix products through OpenBLAS. Transposes are BLAS flags, never copies.
#pragma once

#include "minidl/tensor.h"

namespace minidl {

// a: (M, K), b: (K, N) -> (M, N). Also: a (..., M, K) with b (K, N) (batch folded into M),
// a (B..., M, K) with b (B..., K, N) (batched, same batch dims), and 1-D a or b as in NumPy.
Tensor matmul(const Tensor& a, const Tensor& b);

// y = x w^T + b.   x: (N, in_features), w: (out_features, in_features), b: (out_features) or
// undefined -> y: (N, out_features). One GEMM with the bias preloaded into y.
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b = Tensor());

// relu(linear(x, w, b)) and the like as one node: ops/activation.h (linear_relu, ...).

// The internal product with transpose flags: op(a) op(b), op = transpose when the flag is set.
// a, b 2-D. Differentiable.
Tensor mm(const Tensor& a, bool transpose_a, const Tensor& b, bool transpose_b);

}  // namespace minidl

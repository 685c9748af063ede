// Elementwise ops: arithmetic with NumPy broadcasting, math functions, clamp and where.
// Both inputs of a binary op must have the same dtype (float32 or float64).
#pragma once

#include "minidl/tensor.h"

namespace minidl {

// x, y broadcast (NumPy rules) -> out of the broadcast shape.
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);

// Tensor-scalar forms: no scalar tensor is made.
Tensor add(const Tensor& x, double s);
Tensor mul(const Tensor& x, double s);
Tensor rsub(const Tensor& x, double s);  // s - x
Tensor rdiv(const Tensor& x, double s);  // s / x

Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor pow(const Tensor& x, double exponent);
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);  // NOTE: abs'(0) = 0, as PyTorch (sign(0) = 0)
// Clamps to [min, max]; the gradient passes where min <= x <= max, boundaries included (PyTorch).
Tensor clamp(const Tensor& x, double min, double max);

// out = cond ? a : b, all three broadcast together; cond is nonzero for true (any dtype).
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

// Comparisons give 1 or 0 in x's dtype and record nothing (PyTorch returns bool tensors).
Tensor gt(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& x, double s);
Tensor lt(const Tensor& x, double s);

// Broadcasts x to `shape` (a copy; backward sums back with sum_to).
Tensor broadcast_to(const Tensor& x, const Shape& shape);
// Sums x down to `shape`, undoing a broadcast (the backward of every broadcasting op).
Tensor sum_to(const Tensor& x, const Shape& shape);

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& x);
Tensor operator+(const Tensor& x, double s);
Tensor operator+(double s, const Tensor& x);
Tensor operator-(const Tensor& x, double s);
Tensor operator-(double s, const Tensor& x);
Tensor operator*(const Tensor& x, double s);
Tensor operator*(double s, const Tensor& x);
Tensor operator/(const Tensor& x, double s);
Tensor operator/(double s, const Tensor& x);

}  // namespace minidl

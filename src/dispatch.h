// Internal helpers shared by the op files: dtype dispatch and input checks that throw the
// errors of error.h with the op's name and the shapes.
#pragma once

#include <string>

#include "minidl/error.h"
#include "minidl/tensor.h"

namespace minidl::detail {

// Calls f.template operator()<T>() with T = float or double for x's dtype; int64 is a DtypeError.
template <class F>
decltype(auto) dispatch_float(const char* op, Dtype dtype, F&& f) {
  switch (dtype) {
    case Dtype::Float32: return f.template operator()<float>();
    case Dtype::Float64: return f.template operator()<double>();
    default:
      throw DtypeError(std::string(op) + ": expected a float32 or float64 tensor, got " + to_string(dtype));
  }
}

inline void check_defined(const char* op, const Tensor& x, const char* name = "input") {
  if (!x.defined()) throw ValueError(std::string(op) + ": " + name + " is an undefined tensor");
}

inline void check_same_dtype(const char* op, const Tensor& a, const Tensor& b) {
  check_defined(op, a, "a");
  check_defined(op, b, "b");
  if (a.dtype() != b.dtype()) {
    throw DtypeError(std::string(op) + ": inputs have different dtypes: a is " + to_string(a.dtype()) + " " +
                     to_string(a.shape()) + ", b is " + to_string(b.dtype()) + " " + to_string(b.shape()) +
                     " (convert one with .to(dtype))");
  }
}

// Sizes of the dims before, at and after `dim`: the [outer, size, inner] view that every
// along-a-dim kernel loops over.
struct DimSplit {
  int64_t outer = 1, size = 1, inner = 1;
};
inline DimSplit split_at(const Shape& shape, int64_t dim) {
  DimSplit s;
  for (int64_t d = 0; d < dim; ++d) s.outer *= shape[d];
  s.size = shape.dim() ? shape[dim] : 1;
  for (int64_t d = dim + 1; d < shape.dim(); ++d) s.inner *= shape[d];
  return s;
}

}  // namespace minidl::detail

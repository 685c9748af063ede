// Shape: inline sizes, printing, dim wrapping and NumPy broadcasting.
#include "minidl/shape.h"

#include <algorithm>

#include "minidl/error.h"

namespace minidl {

Shape::Shape(std::initializer_list<int64_t> sizes) {
  if (sizes.size() > kMaxDims) throw ShapeError("Shape: at most 8 dims, got " + std::to_string(sizes.size()));
  for (int64_t s : sizes) sizes_[ndim_++] = s;
}

Shape::Shape(const std::vector<int64_t>& sizes) {
  if (sizes.size() > kMaxDims) throw ShapeError("Shape: at most 8 dims, got " + std::to_string(sizes.size()));
  for (int64_t s : sizes) sizes_[ndim_++] = s;
}

void Shape::push_back(int64_t size) {
  if (ndim_ == kMaxDims) throw ShapeError("Shape: at most 8 dims");
  sizes_[ndim_++] = size;
}

int64_t Shape::numel() const {
  int64_t n = 1;
  for (int64_t d = 0; d < ndim_; ++d) n *= sizes_[d];
  return n;
}

bool Shape::operator==(const Shape& other) const {
  return ndim_ == other.ndim_ && std::equal(begin(), end(), other.begin());
}

std::string to_string(const Shape& shape) {
  std::string s = "(";
  for (int64_t d = 0; d < shape.dim(); ++d) {
    if (d) s += ", ";
    s += std::to_string(shape[d]);
  }
  return s + ")";
}

std::string to_string(Size2 s) {
  std::string out = "(";  // appended piecewise: GCC 12 warns (-Wrestrict) on "(" + std::string
  out += std::to_string(s.h);
  out += ", ";
  out += std::to_string(s.w);
  out += ")";
  return out;
}

int64_t wrap_dim(const char* op, int64_t dim, int64_t ndim) {
  int64_t wrapped = dim < 0 ? dim + ndim : dim;
  if (wrapped < 0 || wrapped >= std::max<int64_t>(ndim, 1)) {
    throw IndexError(std::string(op) + ": dim " + std::to_string(dim) + " is out of range for a tensor with " +
                     std::to_string(ndim) + " dims (expected -" + std::to_string(std::max<int64_t>(ndim, 1)) +
                     " to " + std::to_string(std::max<int64_t>(ndim, 1) - 1) + ")");
  }
  return wrapped;
}

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  if (a == b) return a;
  int64_t n = std::max(a.dim(), b.dim());
  Shape out;
  for (int64_t i = 0; i < n; ++i) {
    int64_t da = i - (n - a.dim()), db = i - (n - b.dim());
    int64_t sa = da >= 0 ? a[da] : 1, sb = db >= 0 ? b[db] : 1;
    if (sa != sb && sa != 1 && sb != 1) {
      throw ShapeError(std::string(op) + ": shapes cannot be broadcast: a is " + to_string(a) + ", b is " +
                       to_string(b) + " (dim " + std::to_string(i) + ": " + std::to_string(sa) + " vs " +
                       std::to_string(sb) + "; sizes must match or be 1)");
    }
    out.push_back(sa == 1 ? sb : sa);
  }
  return out;
}

}  // namespace minidl

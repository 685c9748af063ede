// Shape: the sizes of a tensor's dimensions, stored inline (at most 8 dims) so that making a
// tensor never allocates for its shape; and Size2, the (height, width) of a kernel, stride or
// padding of the image ops.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace minidl {

class Shape {
 public:
  static constexpr int kMaxDims = 8;

  Shape() = default;
  Shape(std::initializer_list<int64_t> sizes);
  explicit Shape(const std::vector<int64_t>& sizes);

  int64_t dim() const { return ndim_; }
  int64_t size() const { return ndim_; }  // number of dims, like std containers
  bool empty() const { return ndim_ == 0; }
  int64_t operator[](int64_t d) const { return sizes_[d]; }
  int64_t& operator[](int64_t d) { return sizes_[d]; }
  const int64_t* begin() const { return sizes_.data(); }
  const int64_t* end() const { return sizes_.data() + ndim_; }
  int64_t back() const { return sizes_[ndim_ - 1]; }

  void push_back(int64_t size);
  int64_t numel() const;
  std::vector<int64_t> to_vector() const { return {begin(), end()}; }

  bool operator==(const Shape& other) const;
  bool operator!=(const Shape& other) const { return !(*this == other); }

 private:
  std::array<int64_t, kMaxDims> sizes_{};
  int64_t ndim_ = 0;
};

// "(50, 24)", as in error messages; "()" for a scalar.
std::string to_string(const Shape& shape);

// (height, width) of a kernel, stride or padding. An integer gives both, as PyTorch's _pair:
// conv2d(x, w, b, 2, {1, 0}) is stride (2, 2), padding (1, 0).
struct Size2 {
  int64_t h = 0, w = 0;
  Size2(int64_t v) : h(v), w(v) {}  // NOLINT: implicit, like PyTorch's int-or-tuple arguments
  Size2(int64_t h, int64_t w) : h(h), w(w) {}
  bool operator==(const Size2&) const = default;
};
std::string to_string(Size2 s);  // "(5, 5)", as PyTorch prints a pair

// Wraps a possibly negative dim (-1 is the last) into [0, ndim); throws IndexError naming `op`.
int64_t wrap_dim(const char* op, int64_t dim, int64_t ndim);

// NumPy broadcasting of two shapes; throws ShapeError naming `op` and both shapes.
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);

}  // namespace minidl

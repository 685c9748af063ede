// Pooling layers: settings checked in the constructor, the ops in ops/pool.h do the work.
#include "minidl/nn/pool.h"

namespace minidl::nn {

namespace {

// PyTorch prints what it was given (2 or (2, 3)); a square size prints as one number here.
std::string size_repr(Size2 s) { return s.h == s.w ? std::to_string(s.h) : minidl::to_string(s); }

void check_pool(const char* name, Size2 kernel_size, Size2 stride, Size2 padding) {
  if (kernel_size.h < 1 || kernel_size.w < 1 || stride.h < 1 || stride.w < 1 || padding.h < 0 || padding.w < 0) {
    throw ValueError(std::string(name) + ": kernel_size and stride must be >= 1 and padding >= 0, got kernel_size=" +
                     size_repr(kernel_size) + ", stride=" + size_repr(stride) + ", padding=" + size_repr(padding));
  }
  if (2 * padding.h > kernel_size.h || 2 * padding.w > kernel_size.w) {
    throw ValueError(std::string(name) + ": padding must be at most half the kernel size, got padding=" +
                     size_repr(padding) + ", kernel_size=" + size_repr(kernel_size));
  }
}

void check_input(const Tensor& x) {
  if (!x.defined()) throw ValueError("input is an undefined tensor");
  if (x.dim() != 4) throw ShapeError("expected a 4-D input (N, C, H, W), got " + std::to_string(x.dim()) + "-D");
}

}  // namespace

MaxPool2d::MaxPool2d(Size2 kernel_size, std::optional<Size2> stride, Size2 padding)
    : kernel_size_(kernel_size), stride_(stride.value_or(kernel_size)), padding_(padding) {
  check_pool("MaxPool2d", kernel_size_, stride_, padding_);
}

Tensor MaxPool2d::forward(const Tensor& x) {
  check_input(x);
  return minidl::max_pool2d(x, kernel_size_, stride_, padding_);
}

std::string MaxPool2d::extra_repr() const {
  return "kernel_size=" + size_repr(kernel_size_) + ", stride=" + size_repr(stride_) +
         ", padding=" + size_repr(padding_) + ", dilation=1, ceil_mode=false";
}

AvgPool2d::AvgPool2d(Size2 kernel_size, std::optional<Size2> stride, Size2 padding)
    : kernel_size_(kernel_size), stride_(stride.value_or(kernel_size)), padding_(padding) {
  check_pool("AvgPool2d", kernel_size_, stride_, padding_);
}

Tensor AvgPool2d::forward(const Tensor& x) {
  check_input(x);
  return minidl::avg_pool2d(x, kernel_size_, stride_, padding_);
}

std::string AvgPool2d::extra_repr() const {
  return "kernel_size=" + size_repr(kernel_size_) + ", stride=" + size_repr(stride_) +
         ", padding=" + size_repr(padding_);
}

std::shared_ptr<MaxPool2d> max_pool2d(Size2 kernel_size, std::optional<Size2> stride, Size2 padding) {
  return std::make_shared<MaxPool2d>(kernel_size, stride, padding);
}
std::shared_ptr<AvgPool2d> avg_pool2d(Size2 kernel_size, std::optional<Size2> stride, Size2 padding) {
  return std::make_shared<AvgPool2d>(kernel_size, stride, padding);
}

}  // namespace minidl::nn

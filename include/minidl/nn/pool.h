// Pooling layers over NCHW images: MaxPool2d and AvgPool2d (no dilation, ceil_mode=false).
#pragma once

#include <memory>
#include <optional>

#include "minidl/nn/module.h"
#include "minidl/ops/pool.h"

namespace minidl::nn {

// x: (N, C, H, W) -> y: (N, C, OH, OW), OH = (H + 2 padding.h - kernel_size.h) / stride.h + 1.
// stride defaults to kernel_size. The gradient goes to the first maximum of a window on ties.
class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(Size2 kernel_size, std::optional<Size2> stride = std::nullopt, Size2 padding = 0);

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "MaxPool2d"; }
  // "kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=false"
  std::string extra_repr() const override;

  Size2 kernel_size() const { return kernel_size_; }
  Size2 stride() const { return stride_; }
  Size2 padding() const { return padding_; }

 private:
  Size2 kernel_size_, stride_, padding_;
};

// The same sizes; padding counts as zeros in each window's mean (count_include_pad=true).
class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(Size2 kernel_size, std::optional<Size2> stride = std::nullopt, Size2 padding = 0);

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "AvgPool2d"; }
  std::string extra_repr() const override;  // "kernel_size=2, stride=2, padding=0"

  Size2 kernel_size() const { return kernel_size_; }
  Size2 stride() const { return stride_; }
  Size2 padding() const { return padding_; }

 private:
  Size2 kernel_size_, stride_, padding_;
};

std::shared_ptr<MaxPool2d> max_pool2d(Size2 kernel_size, std::optional<Size2> stride = std::nullopt, Size2 padding = 0);
std::shared_ptr<AvgPool2d> avg_pool2d(Size2 kernel_size, std::optional<Size2> stride = std::nullopt, Size2 padding = 0);

}  // namespace minidl::nn

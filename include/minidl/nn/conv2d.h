// Conv2d: the 2-D convolution layer over NCHW images, PyTorch's default initialisation.
#pragma once

#include <memory>

#include "minidl/nn/module.h"
#include "minidl/ops/conv.h"
#include "minidl/random.h"

namespace minidl::nn {

struct Conv2dOptions {
  Size2 stride = 1;
  Size2 padding = 0;  // zeros
  bool bias = true;
  // Randomness as LinearOptions: *generator when set (not kept), else a fresh Generator(seed).
  Generator* generator = nullptr;
  uint64_t seed = 0;
  Dtype dtype = kFloat32;
};

// y = conv2d(x, weight, bias, stride, padding).
// x: (N, in_channels, H, W) -> y: (N, out_channels, OH, OW), OH = (H + 2 padding.h - KH) / stride.h + 1
// weight and bias ~ U(+-1/sqrt(fan_in)), fan_in = in_channels KH KW (PyTorch's kaiming_uniform_
// with a = sqrt(5) and its bias rule).
class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size, const Conv2dOptions& options = {});

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Conv2d"; }
  // "1, 8, kernel_size=(5, 5), stride=(1, 1)", then ", padding=(1, 1)" and ", bias=false" when set.
  std::string extra_repr() const override;

  int64_t in_channels() const { return in_channels_; }
  int64_t out_channels() const { return out_channels_; }
  Size2 kernel_size() const { return kernel_size_; }
  Size2 stride() const { return stride_; }
  Size2 padding() const { return padding_; }
  const Tensor& weight() const { return weight_; }  // (out_channels, in_channels, KH, KW)
  const Tensor& bias() const { return bias_; }      // (out_channels); undefined if bias=false

 private:
  int64_t in_channels_, out_channels_;
  Size2 kernel_size_, stride_, padding_;
  Tensor weight_, bias_;
};

std::shared_ptr<Conv2d> conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size, Generator& gen,
                               const Conv2dOptions& options = {});
std::shared_ptr<Conv2d> conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size,
                               const Conv2dOptions& options = {});

}  // namespace minidl::nn

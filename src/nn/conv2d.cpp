// Conv2d: validates its sizes, draws PyTorch's default initialisation, then calls the conv2d op.
#include "minidl/nn/conv2d.h"

#include <cmath>

#include "minidl/nn/init.h"

namespace minidl::nn {

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size, const Conv2dOptions& options)
    : in_channels_(in_channels),
      out_channels_(out_channels),
      kernel_size_(kernel_size),
      stride_(options.stride),
      padding_(options.padding) {
  if (in_channels <= 0 || out_channels <= 0) {
    throw ValueError("Conv2d: in_channels and out_channels must be > 0, got in_channels=" +
                     std::to_string(in_channels) + ", out_channels=" + std::to_string(out_channels));
  }
  if (kernel_size.h < 1 || kernel_size.w < 1 || stride_.h < 1 || stride_.w < 1 || padding_.h < 0 || padding_.w < 0) {
    throw ValueError("Conv2d: kernel_size and stride must be >= 1 and padding >= 0, got kernel_size=" +
                     minidl::to_string(kernel_size) + ", stride=" + minidl::to_string(stride_) +
                     ", padding=" + minidl::to_string(padding_));
  }
  if (!is_floating(options.dtype))
    throw DtypeError("Conv2d: dtype must be float32 or float64, got " + to_string(options.dtype));
  Generator own(options.seed);
  Generator& gen = options.generator ? *options.generator : own;
  // PyTorch's reset_parameters: kaiming_uniform_(a=sqrt(5)) is U(+-1/sqrt(fan_in)); bias the same.
  const int64_t fan_in = in_channels * kernel_size.h * kernel_size.w;
  Tensor w = Tensor::empty({out_channels, in_channels, kernel_size.h, kernel_size.w}, options.dtype);
  init::pytorch_default_(w, fan_in, gen);
  weight_ = register_parameter("weight", w);
  if (options.bias) {
    Tensor b = Tensor::empty({out_channels}, options.dtype);
    init::pytorch_default_(b, fan_in, gen);
    bias_ = register_parameter("bias", b);
  }
}

Tensor Conv2d::forward(const Tensor& x) {
  if (!x.defined()) throw ValueError("input is an undefined tensor");
  if (x.dim() != 4) throw ShapeError("expected a 4-D input (N, C, H, W), got " + std::to_string(x.dim()) + "-D");
  if (x.size(1) != in_channels_) {
    throw ShapeError("input has " + std::to_string(x.size(1)) + " channels, expected " + std::to_string(in_channels_));
  }
  return minidl::conv2d(x, weight_, bias_, stride_, padding_);
}

std::string Conv2d::extra_repr() const {
  std::string s = std::to_string(in_channels_) + ", " + std::to_string(out_channels_) +
                  ", kernel_size=" + minidl::to_string(kernel_size_) + ", stride=" + minidl::to_string(stride_);
  if (padding_ != Size2(0)) s += ", padding=" + minidl::to_string(padding_);
  if (!bias_.defined()) s += ", bias=false";
  return s;
}

std::shared_ptr<Conv2d> conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size, Generator& gen,
                               const Conv2dOptions& options) {
  Conv2dOptions with_gen = options;
  with_gen.generator = &gen;
  return std::make_shared<Conv2d>(in_channels, out_channels, kernel_size, with_gen);
}

std::shared_ptr<Conv2d> conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size,
                               const Conv2dOptions& options) {
  return std::make_shared<Conv2d>(in_channels, out_channels, kernel_size, options);
}

}  // namespace minidl::nn

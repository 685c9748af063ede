// Batch normalisation layers: parameters and buffers with PyTorch's names, then the batch_norm op.
#include "minidl/nn/batch_norm.h"

#include "minidl/ops/batch_norm.h"

namespace minidl::nn {

BatchNorm::BatchNorm(int64_t num_features, const BatchNormOptions& options, const char* name)
    : num_features_(num_features), options_(options) {
  if (num_features <= 0)
    throw ValueError(std::string(name) + ": num_features must be > 0, got " + std::to_string(num_features));
  if (!(options.eps > 0))
    throw ValueError(std::string(name) + ": eps must be > 0, got " + detail::format_double(options.eps));
  if (!(options.momentum >= 0 && options.momentum <= 1)) {
    throw ValueError(std::string(name) + ": momentum must be in [0, 1], got " +
                     detail::format_double(options.momentum));
  }
  if (!is_floating(options.dtype)) {
    throw DtypeError(std::string(name) + ": dtype must be float32 or float64, got " + to_string(options.dtype));
  }
  if (options.affine) {
    weight_ = register_parameter("weight", ones({num_features}, options.dtype));
    bias_ = register_parameter("bias", zeros({num_features}, options.dtype));
  }
  if (options.track_running_stats) {
    running_mean_ = register_buffer("running_mean", zeros({num_features}, options.dtype));
    running_var_ = register_buffer("running_var", ones({num_features}, options.dtype));
    num_batches_tracked_ = register_buffer("num_batches_tracked", zeros({}, kInt64));
  }
}

Tensor BatchNorm::forward(const Tensor& x) {
  if (!x.defined()) throw ValueError("input is an undefined tensor");
  check_rank(x);
  if (x.size(1) != num_features_) {
    throw ShapeError("input has " + std::to_string(x.size(1)) + " channels, expected " + std::to_string(num_features_));
  }
  // Checks happen in the op before the running statistics change; count the batch after.
  Tensor y = minidl::batch_norm(x, running_mean_, running_var_, weight_, bias_, is_training(), options_.momentum,
                                options_.eps);
  if (is_training() && num_batches_tracked_.defined()) ++num_batches_tracked_.data<int64_t>()[0];
  return y;
}

std::string BatchNorm::extra_repr() const {
  return std::to_string(num_features_) + ", eps=" + detail::format_double(options_.eps) +
         ", momentum=" + detail::format_double(options_.momentum) + ", affine=" + (options_.affine ? "true" : "false") +
         ", track_running_stats=" + (options_.track_running_stats ? "true" : "false");
}

void BatchNorm1d::check_rank(const Tensor& x) const {
  if (x.dim() != 2 && x.dim() != 3) {
    throw ShapeError("expected a 2-D (N, C) or 3-D (N, C, L) input, got " + std::to_string(x.dim()) + "-D");
  }
}

void BatchNorm2d::check_rank(const Tensor& x) const {
  if (x.dim() != 4) throw ShapeError("expected a 4-D input (N, C, H, W), got " + std::to_string(x.dim()) + "-D");
}

std::shared_ptr<BatchNorm1d> batch_norm1d(int64_t num_features, const BatchNormOptions& options) {
  return std::make_shared<BatchNorm1d>(num_features, options);
}
std::shared_ptr<BatchNorm2d> batch_norm2d(int64_t num_features, const BatchNormOptions& options) {
  return std::make_shared<BatchNorm2d>(num_features, options);
}

}  // namespace minidl::nn

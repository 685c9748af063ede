// Batch normalisation layers: BatchNorm1d over (N, C) or (N, C, L), BatchNorm2d over (N, C, H, W).
// Training mode normalises with the batch's statistics and updates the running ones; eval mode
// uses the running ones. State keys are PyTorch's: weight, bias, running_mean, running_var,
// num_batches_tracked.
#pragma once

#include <memory>

#include "minidl/nn/module.h"

namespace minidl::nn {

struct BatchNormOptions {
  double eps = 1e-5;
  double momentum = 0.1;            // running = (1 - momentum) running + momentum batch
  bool affine = true;               // learnable weight (ones) and bias (zeros)
  bool track_running_stats = true;  // false: batch statistics in eval mode too, and no buffers
  Dtype dtype = kFloat32;
};

// y = (x - mean) / sqrt(var + eps) * weight + bias, per channel (dim 1).
// The base of BatchNorm1d and BatchNorm2d, which differ only in the input ranks they accept.
class BatchNorm : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  // "8, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true"
  std::string extra_repr() const override;

  int64_t num_features() const { return num_features_; }
  const BatchNormOptions& options() const { return options_; }
  const Tensor& weight() const { return weight_; }              // (C); undefined if affine=false
  const Tensor& bias() const { return bias_; }                  // (C); undefined if affine=false
  const Tensor& running_mean() const { return running_mean_; }  // (C); undefined without tracking
  const Tensor& running_var() const { return running_var_; }    // (C); undefined without tracking
  // int64 scalar: training-mode forwards so far; undefined without tracking.
  const Tensor& num_batches_tracked() const { return num_batches_tracked_; }

 protected:
  BatchNorm(int64_t num_features, const BatchNormOptions& options, const char* name);
  // Throws a ShapeError unless x's rank is one this layer takes.
  virtual void check_rank(const Tensor& x) const = 0;

 private:
  int64_t num_features_;
  BatchNormOptions options_;
  Tensor weight_, bias_, running_mean_, running_var_, num_batches_tracked_;
};

// x: (N, C) or (N, C, L) -> y: the same shape
class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(int64_t num_features, const BatchNormOptions& options = {})
      : BatchNorm(num_features, options, "BatchNorm1d") {}
  std::string type_name() const override { return "BatchNorm1d"; }

 protected:
  void check_rank(const Tensor& x) const override;
};

// x: (N, C, H, W) -> y: the same shape
class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(int64_t num_features, const BatchNormOptions& options = {})
      : BatchNorm(num_features, options, "BatchNorm2d") {}
  std::string type_name() const override { return "BatchNorm2d"; }

 protected:
  void check_rank(const Tensor& x) const override;
};

std::shared_ptr<BatchNorm1d> batch_norm1d(int64_t num_features, const BatchNormOptions& options = {});
std::shared_ptr<BatchNorm2d> batch_norm2d(int64_t num_features, const BatchNormOptions& options = {});

}  // namespace minidl::nn

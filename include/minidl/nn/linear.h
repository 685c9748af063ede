// Linear: the fully connected layer, with the initialisations the reports used.
#pragma once

#include <memory>
#include <optional>

#include "minidl/nn/init.h"
#include "minidl/nn/module.h"

namespace minidl::nn {

struct LinearOptions {
  bool bias = true;
  Init init = Init::pytorch_default;
  std::optional<double> weight_std = std::nullopt;  // Init::normal's std (required there, an error elsewhere)
  std::optional<double> bias_std = std::nullopt;    // bias ~ N(0, bias_std^2) instead of the init's bias rule (report 004)
  double gain = 1.0;                 // xavier_uniform / xavier_normal gain (PyTorch's; an error with another init)
  // Randomness: drawn from *generator when set (not kept after the constructor), else from a
  // fresh Generator(seed). NOTE: two layers built without a generator and the same seed get the
  // same draw; pass one Generator to all layers of a model (nn::linear(2, 25, gen)).
  Generator* generator = nullptr;
  uint64_t seed = 0;
  Dtype dtype = kFloat32;
};

// y = x w^T + b.   x: (N, in_features) or (..., in_features) -> y: (N, out_features)
class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true);
  Linear(int64_t in_features, int64_t out_features, const LinearOptions& options);

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Linear"; }
  std::string extra_repr() const override;  // "in_features=2, out_features=25, bias=true"

  int64_t in_features() const { return in_features_; }
  int64_t out_features() const { return out_features_; }
  const Tensor& weight() const { return weight_; }  // (out_features, in_features)
  const Tensor& bias() const { return bias_; }      // (out_features); undefined if bias=false

 private:
  int64_t in_features_, out_features_;
  Tensor weight_, bias_;
};

std::shared_ptr<Linear> linear(int64_t in_features, int64_t out_features, bool bias = true);
std::shared_ptr<Linear> linear(int64_t in_features, int64_t out_features, Generator& gen, bool bias = true);
std::shared_ptr<Linear> linear(int64_t in_features, int64_t out_features, const LinearOptions& options);

}  // namespace minidl::nn

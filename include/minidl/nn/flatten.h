// Flatten: merges dims start_dim..end_dim into one (a view), as between conv and linear layers.
#pragma once

#include <memory>

#include "minidl/nn/module.h"
#include "minidl/ops/view.h"

namespace minidl::nn {

// x: (N, C, H, W) -> y: (N, C*H*W) with the defaults start_dim=1, end_dim=-1 (PyTorch's).
class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1) : start_dim_(start_dim), end_dim_(end_dim) {}
  Tensor forward(const Tensor& x) override { return minidl::flatten(x, start_dim_, end_dim_); }
  std::string type_name() const override { return "Flatten"; }
  std::string extra_repr() const override {
    return "start_dim=" + std::to_string(start_dim_) + ", end_dim=" + std::to_string(end_dim_);
  }

 private:
  int64_t start_dim_, end_dim_;
};

inline std::shared_ptr<Flatten> flatten(int64_t start_dim = 1, int64_t end_dim = -1) {
  return std::make_shared<Flatten>(start_dim, end_dim);
}

}  // namespace minidl::nn

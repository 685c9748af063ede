// Identity: returns its input (a placeholder, e.g. for an optional layer in a config).
#pragma once

#include <memory>

#include "minidl/nn/module.h"

namespace minidl::nn {

// x -> x (the same tensor, as PyTorch)
class Identity : public Module {
 public:
  Tensor forward(const Tensor& x) override { return x; }
  std::string type_name() const override { return "Identity"; }
};

inline std::shared_ptr<Identity> identity() { return std::make_shared<Identity>(); }

}  // namespace minidl::nn

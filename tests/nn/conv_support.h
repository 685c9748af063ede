// Helpers shared by the image-layer tests (Conv2d, pooling, BatchNorm): the golden cases of
// tools/golden/conv.py (conv_modules.json), run the way nn_support.h runs nn_modules.json.
#pragma once

#include <regex>
#include <string>

#include "nn/nn_support.h"

namespace minidl::testing {

// PyTorch's repr with C++'s true/false, as minidl prints it.
inline std::string cpp_repr(std::string repr) {
  repr = std::regex_replace(repr, std::regex("True"), "true");
  return std::regex_replace(repr, std::regex("False"), "false");
}

// Loads the case's state (weights, and running statistics for BatchNorm), sets train/eval when the
// case says, then compares y, dx, every parameter gradient, the state after the forward (when
// given) and repr() with PyTorch's.
inline void expect_conv_module_matches_golden(nn::Module& module, const std::string& name) {
  SCOPED_TRACE(name);
  Golden g("conv_modules.json");
  const nlohmann::json& c = g[name];
  Tensor x = g.tensor(name + "/x").requires_grad_();
  module.to(x.dtype());
  module.load_state_dict(state_of(c["state"]));
  if (c.contains("training")) module.train(c["training"].get<bool>());
  Tensor y = module(x);
  EXPECT_TRUE(matches_golden(y, g.tensor(name + "/y"))) << "y";
  y.backward(g.tensor(name + "/dy"));
  EXPECT_TRUE(matches_golden(x.grad(), g.tensor(name + "/dx"))) << "dx";
  for (const auto& [key, p] : module.named_parameters()) {
    EXPECT_TRUE(matches_golden(p.grad(), Golden::to_tensor(c["grads"][key]))) << "grad of " << key;
  }
  EXPECT_EQ(module.named_parameters().size(), c["grads"].size());
  if (c.contains("state_after")) {
    StateDict after = state_of(c["state_after"]);
    StateDict actual = module.state_dict();
    EXPECT_EQ(actual.size(), after.size());
    for (const auto& [key, value] : after) {
      if (value.dtype() == kInt64) {
        EXPECT_EQ(actual.at(key).to_vector(), value.to_vector()) << key;
      } else {
        EXPECT_TRUE(matches_golden(actual.at(key), value)) << key;
      }
    }
  }
  EXPECT_EQ(module.repr(), cpp_repr(c["repr"].get<std::string>()));
}

}  // namespace minidl::testing

// Helpers shared by the nn tests: a gradcheck over a module's input and parameters, and the
// golden cases of tools/golden/nn.py (inputs, weights loaded through load_state_dict, outputs
// and gradients).
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "minidl/minidl.h"
#include "minidl/nn.h"
#include "support/golden.h"
#include "support/gradcheck.h"

namespace minidl::testing {

// Gradcheck of module(x) with respect to x and every parameter, in float64. The parameters are
// extra gradcheck inputs: each call copies their values into the module, and on the recorded call
// the gradcheck leaf shares the parameter's gradient buffer (which backward accumulates in place).
inline void expect_module_gradients_match(nn::Module& module, const Tensor& x, const GradcheckOptions& options = {}) {
  module.to(kFloat64);
  std::vector<Tensor> params = module.parameters();
  std::vector<Tensor> inputs{x};
  for (const Tensor& p : params) inputs.push_back(p.detach().clone());
  expect_gradients_match(
      [&](const std::vector<Tensor>& in) {
        for (size_t k = 0; k < params.size(); ++k) {
          params[k].copy_(in[k + 1]);
          if (autograd::grad_mode_enabled()) {
            params[k].set_grad(zeros_like(params[k]));
            Tensor leaf = in[k + 1];
            leaf.set_grad(params[k].grad());
          }
        }
        return module(in[0]);
      },
      inputs, options);
}

// Error message of f, which must throw E.
template <class E = std::exception>
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no exception of the expected type was thrown";
  return "";
}

inline StateDict state_of(const nlohmann::json& j) {
  StateDict state;
  for (const auto& [key, value] : j.items()) state.insert(key, Golden::to_tensor(value));
  return state;
}

// Runs a golden module case of nn_modules.json: loads the weights, compares y, dx and every
// parameter gradient with PyTorch's.
inline void expect_module_matches_golden(nn::Module& module, const std::string& name) {
  Golden g("nn_modules.json");
  const nlohmann::json& c = g[name];
  StateDict state = state_of(c["state"]);
  Dtype dtype = Golden::to_tensor(c["x"]).dtype();
  module.to(dtype);
  module.load_state_dict(state);
  Tensor x = g.tensor(name + "/x").requires_grad_();
  Tensor y = module(x);
  EXPECT_TRUE(matches_golden(y, g.tensor(name + "/y"))) << name << " y";
  y.backward(g.tensor(name + "/dy"));
  EXPECT_TRUE(matches_golden(x.grad(), g.tensor(name + "/dx"))) << name << " dx";
  for (const auto& [key, p] : module.named_parameters()) {
    EXPECT_TRUE(matches_golden(p.grad(), Golden::to_tensor(c["grads"][key]))) << name << " grad of " << key;
  }
  EXPECT_EQ(module.named_parameters().size(), c["grads"].size());
}

}  // namespace minidl::testing

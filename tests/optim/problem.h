// The fixed float64 problem of tests/golden/optim_*.json (tools/golden/optim.py): a 3-4-2 tanh MLP
// on 16 points, loss = mean((W2 tanh(W1 x + b1) + b2 - y)^2), built from raw ops, and a checker
// that runs an optimizer 20 steps and compares every step with PyTorch's trajectory.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "minidl/minidl.h"
#include "minidl/optim.h"
#include "support/golden.h"

namespace minidl::testing {

struct OptimProblem {
  Tensor x, y;
  std::vector<Tensor> params;  // w1 (4, 3), b1 (4), w2 (2, 4), b2 (2): fresh leaves

  OptimProblem() {
    static const Golden golden("optim_problem.json");
    x = golden.tensor("x");
    y = golden.tensor("y");
    for (const char* name : {"w1", "b1", "w2", "b2"}) params.push_back(golden.tensor(name).requires_grad_());
  }

  Tensor loss() const {
    Tensor h = tanh(linear(x, params[0], params[1]));
    Tensor out = linear(h, params[2], params[3]);
    return mean(pow(out - y, 2));
  }

  Tensor flat() const {
    std::vector<Tensor> parts;
    for (const Tensor& p : params) parts.push_back(p.detach().reshape({-1}));
    return concat(parts, 0);
  }

  // zero_grad, forward, backward: the closure of every optimizer step.
  std::function<Tensor()> closure(optim::Optimizer& opt) const {
    return [this, &opt] {
      opt.zero_grad();
      Tensor l = loss();
      l.backward();
      return l;
    };
  }
};

inline const Golden& trajectories() {
  static const Golden golden("optim_trajectories.json");
  return golden;
}

// Runs 20 steps of the optimizer `make` builds and compares parameters and losses at every step.
inline void expect_matches_pytorch(const std::string& name,
                                   const std::function<std::unique_ptr<optim::Optimizer>(std::vector<Tensor>)>& make) {
  OptimProblem problem;
  std::unique_ptr<optim::Optimizer> opt = make(problem.params);
  Tensor expected = trajectories().tensor(name + "/trajectory");
  Tensor expected_loss = trajectories().tensor(name + "/loss");
  ASSERT_EQ(expected.size(0), 20);
  auto closure = problem.closure(*opt);
  for (int64_t s = 0; s < 20; ++s) {
    Tensor loss = opt->step(closure);
    ASSERT_TRUE(matches_golden(reshape(loss.detach(), {1}), narrow(expected_loss, 0, s, 1))) << name << " step " << s;
    ASSERT_TRUE(matches_golden(problem.flat(), narrow(expected, 0, s, 1).reshape({-1}))) << name << " step " << s;
  }
}

}  // namespace minidl::testing

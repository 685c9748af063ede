// The helpers of the scheduler tests (test_schedule.cpp, test_one_cycle_lr.cpp,
// test_reduce_lr_on_plateau.cpp): PyTorch's lr sequences in tests/golden/optim_schedulers.json,
// an SGD fixture and the lr sequence of 30 steps.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "minidl/minidl.h"
#include "minidl/optim.h"
#include "support/error_of.h"
#include "support/golden.h"

namespace minidl::testing::schedule {

using minidl::testing::error_of;

inline const Golden& golden() {
  static const Golden g("optim_schedulers.json");
  return g;
}

inline Tensor doubles(const std::vector<double>& v) { return tensor(v, {static_cast<int64_t>(v.size())}, kFloat64); }

// The lr of group `group` after construction and after each of 30 (optimizer.step, sched.step).
template <class Opt, class Step>
std::vector<double> lr_sequence(Opt& opt, Step&& step, size_t group = 0, int steps = 30) {
  std::vector<double> lrs = {opt.lr(group)};
  for (int i = 0; i < steps; ++i) {
    step(i);
    lrs.push_back(opt.lr(group));
  }
  return lrs;
}

struct Fixture {
  Tensor w = zeros({2}, kFloat64).requires_grad_();
  optim::SGD opt;
  explicit Fixture(double lr = 0.1, double momentum = 0) : opt({w}, {.lr = lr, .momentum = momentum}) {}
};

}  // namespace minidl::testing::schedule

// RMSprop against PyTorch's trajectories (plain, centered, momentum, weight decay) and its errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "optim/problem.h"

using namespace minidl;
using minidl::testing::expect_matches_pytorch;
using ::testing::HasSubstr;

namespace {

auto rmsprop(optim::RMSpropOptions o) {
  return [o](std::vector<Tensor> ps) { return std::make_unique<optim::RMSprop>(std::move(ps), o); };
}

}  // namespace

TEST(RMSprop, MatchesPyTorchPlain) { expect_matches_pytorch("rmsprop", rmsprop({.lr = 0.01})); }
TEST(RMSprop, MatchesPyTorchCentered) {
  expect_matches_pytorch("rmsprop_centered", rmsprop({.lr = 0.01, .alpha = 0.9, .centered = true}));
}
TEST(RMSprop, MatchesPyTorchMomentum) {
  expect_matches_pytorch("rmsprop_momentum", rmsprop({.lr = 0.01, .momentum = 0.9}));
}
TEST(RMSprop, MatchesPyTorchWeightDecayCenteredMomentum) {
  expect_matches_pytorch("rmsprop_weight_decay",
                         rmsprop({.lr = 0.01, .weight_decay = 0.1, .momentum = 0.5, .centered = true}));
}

TEST(RMSprop, RejectsBadOptions) {
  Tensor w = ones({2}).requires_grad_();
  auto message = [&](optim::RMSpropOptions o) {
    try {
      optim::RMSprop opt({w}, o);
    } catch (const ValueError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(message({.lr = -0.1}), HasSubstr("RMSprop: lr must be >= 0, got -0.1"));
  EXPECT_THAT(message({.alpha = -0.5}), HasSubstr("RMSprop: alpha must be >= 0, got -0.5"));
  EXPECT_THAT(message({.eps = -1}), HasSubstr("RMSprop: eps must be >= 0, got -1"));
  EXPECT_THAT(message({.momentum = -0.9}), HasSubstr("RMSprop: momentum must be >= 0, got -0.9"));
  EXPECT_THAT(message({.weight_decay = -2}), HasSubstr("RMSprop: weight_decay must be >= 0, got -2"));
}

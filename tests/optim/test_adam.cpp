// Adam and AdamW against PyTorch's trajectories (plain, amsgrad, L2 weight decay, decoupled decay),
// the restart of report 004 (reset), and the constructor errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "optim/problem.h"

using namespace minidl;
using minidl::testing::expect_matches_pytorch;
using ::testing::HasSubstr;

TEST(Adam, MatchesPyTorchPlain) {
  expect_matches_pytorch("adam", [](auto ps) { return std::make_unique<optim::Adam>(ps, optim::AdamOptions{.lr = 0.01}); });
}
TEST(Adam, MatchesPyTorchAmsgrad) {
  expect_matches_pytorch("adam_amsgrad", [](auto ps) {
    return std::make_unique<optim::Adam>(ps, optim::AdamOptions{.lr = 0.01, .betas = {0.8, 0.99}, .amsgrad = true});
  });
}
TEST(Adam, MatchesPyTorchWeightDecay) {
  expect_matches_pytorch("adam_weight_decay", [](auto ps) {
    return std::make_unique<optim::Adam>(ps, optim::AdamOptions{.lr = 0.01, .eps = 1e-6, .weight_decay = 0.1});
  });
}
TEST(AdamW, MatchesPyTorchPlain) {
  expect_matches_pytorch("adamw", [](auto ps) { return std::make_unique<optim::AdamW>(ps, optim::AdamWOptions{.lr = 0.01}); });
}
TEST(AdamW, MatchesPyTorchAmsgradWithDecay) {
  expect_matches_pytorch("adamw_amsgrad", [](auto ps) {
    return std::make_unique<optim::AdamW>(ps, optim::AdamWOptions{.lr = 0.01, .weight_decay = 0.2, .amsgrad = true});
  });
}

TEST(AdamW, DefaultWeightDecayIsPyTorchs) {
  EXPECT_EQ(optim::AdamWOptions{}.weight_decay, 1e-2);
  EXPECT_EQ(optim::AdamOptions{}.weight_decay, 0.0);
}

// The first Adam step moves every coordinate by lr (m / sqrt(v) = sign(g) after bias correction).
TEST(Adam, FirstStepMovesByLrAndResetRestartsIt) {
  Tensor w = tensor(std::vector<double>{1.0, -3.0}, {2}, kFloat64).requires_grad_();
  optim::Adam opt({w}, {.lr = 0.1, .eps = 0});
  auto step = [&] {
    opt.zero_grad();
    (w * w).sum().backward();
    opt.step();
  };
  step();
  EXPECT_NEAR(w.at({0}), 0.9, 1e-15);
  EXPECT_NEAR(w.at({1}), -2.9, 1e-15);
  step();
  EXPECT_EQ(opt.step_count(0), 2);
  opt.reset();
  EXPECT_EQ(opt.step_count(0), 0);
  EXPECT_EQ(opt.exp_avg(0).to_vector(), (std::vector<double>{0, 0}));
  double before = w.at({0});
  step();  // a restarted Adam makes a first step again: exactly lr
  EXPECT_NEAR(before - w.at({0}), 0.1, 1e-14);
}

TEST(Adam, RejectsBadOptions) {
  Tensor w = ones({2}).requires_grad_();
  auto message = [&](auto make) {
    try {
      make();
    } catch (const ValueError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(message([&] { optim::Adam({w}, {.lr = -0.1}); }), HasSubstr("Adam: lr must be >= 0, got -0.1"));
  EXPECT_THAT(message([&] { optim::Adam({w}, {.eps = -1e-8}); }), HasSubstr("Adam: eps must be >= 0, got -1e-08"));
  EXPECT_THAT(message([&] { optim::Adam({w}, {.betas = {1.0, 0.999}}); }),
              HasSubstr("Adam: betas[0] must be in [0, 1), got 1"));
  EXPECT_THAT(message([&] { optim::Adam({w}, {.betas = {0.9, -0.1}}); }),
              HasSubstr("Adam: betas[1] must be in [0, 1), got -0.1"));
  EXPECT_THAT(message([&] { optim::AdamW({w}, {.weight_decay = -1}); }),
              HasSubstr("AdamW: weight_decay must be >= 0, got -1"));
}

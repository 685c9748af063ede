// SGD against PyTorch's trajectories (plain, momentum, Nesterov, dampening, weight decay, groups),
// its first-step buffer, the skipping of parameters without a gradient, and its errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "optim/problem.h"

using namespace minidl;
using minidl::testing::expect_matches_pytorch;
using ::testing::HasSubstr;

namespace {

auto sgd(optim::SGDOptions o) {
  return [o](std::vector<Tensor> ps) { return std::make_unique<optim::SGD>(std::move(ps), o); };
}

}  // namespace

TEST(SGD, MatchesPyTorchPlain) { expect_matches_pytorch("sgd", sgd({.lr = 0.1})); }
TEST(SGD, MatchesPyTorchMomentum) { expect_matches_pytorch("sgd_momentum", sgd({.lr = 0.1, .momentum = 0.9})); }
TEST(SGD, MatchesPyTorchNesterov) {
  expect_matches_pytorch("sgd_nesterov", sgd({.lr = 0.1, .momentum = 0.9, .nesterov = true}));
}
TEST(SGD, MatchesPyTorchDampening) {
  expect_matches_pytorch("sgd_dampening", sgd({.lr = 0.1, .momentum = 0.8, .dampening = 0.3}));
}
TEST(SGD, MatchesPyTorchWeightDecay) {
  expect_matches_pytorch("sgd_weight_decay", sgd({.lr = 0.1, .momentum = 0.9, .weight_decay = 0.05}));
}

// Groups in PyTorch's order: [w1, w2] with lr 0.1, then [b1, b2] with lr 0.02 and momentum 0.5.
// The flat trajectory is still (w1, b1, w2, b2): only the optimizer's numbering changes.
TEST(SGD, MatchesPyTorchWithParameterGroups) {
  expect_matches_pytorch("sgd_groups", [](std::vector<Tensor> ps) {
    return std::make_unique<optim::SGD>(std::vector<optim::SGD::Group>{
        {.params = {ps[0], ps[2]}, .options = {.lr = 0.1}},
        {.params = {ps[1], ps[3]}, .options = {.lr = 0.02, .momentum = 0.5}}});
  });
}

TEST(SGD, FirstMomentumBufferIsTheGradientWithoutDampening) {
  Tensor w = tensor(std::vector<double>{1.0, -2.0}, {2}, kFloat64).requires_grad_();
  optim::SGD opt({w}, {.lr = 0.5, .momentum = 0.9, .dampening = 0.5});
  EXPECT_FALSE(opt.momentum_buffer(0).defined());
  (w * w).sum().backward();  // grad 2w = (2, -4)
  opt.step();
  EXPECT_EQ(opt.momentum_buffer(0).to_vector(), (std::vector<double>{2.0, -4.0}));
  EXPECT_EQ(w.to_vector(), (std::vector<double>{0.0, 0.0}));
}

TEST(SGD, SkipsParametersWithoutGradient) {
  Tensor a = ones({2}, kFloat64).requires_grad_(), b = ones({2}, kFloat64).requires_grad_();
  optim::SGD opt({a, b}, {.lr = 0.1, .momentum = 0.9});
  a.sum().backward();
  opt.step();
  EXPECT_EQ(a.to_vector(), (std::vector<double>{0.9, 0.9}));
  EXPECT_EQ(b.to_vector(), (std::vector<double>{1.0, 1.0}));
  EXPECT_FALSE(opt.momentum_buffer(1).defined());
}

TEST(SGD, WorksInFloat32) {
  Tensor w = tensor(std::vector<float>{1.0f, 2.0f}).requires_grad_();
  optim::SGD opt({w}, {.lr = 0.25});
  (w * w).sum().backward();
  opt.step();
  EXPECT_EQ(w.to_vector(), (std::vector<double>{0.5, 1.0}));
}

TEST(SGD, RejectsBadOptionsBeforeStoringAnything) {
  Tensor w = ones({2}).requires_grad_();
  auto message = [&](optim::SGDOptions o) {
    try {
      optim::SGD opt({w}, o);
    } catch (const ValueError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(message({.lr = -0.1}), HasSubstr("SGD: lr must be >= 0, got -0.1"));
  EXPECT_THAT(message({.momentum = -1}), HasSubstr("SGD: momentum must be >= 0, got -1"));
  EXPECT_THAT(message({.weight_decay = -0.5}), HasSubstr("SGD: weight_decay must be >= 0, got -0.5"));
  EXPECT_THAT(message({.nesterov = true}), HasSubstr("SGD: nesterov requires momentum > 0 and dampening = 0"));
  EXPECT_THAT(message({.momentum = 0.9, .dampening = 0.1, .nesterov = true}),
              HasSubstr("SGD: nesterov requires momentum > 0 and dampening = 0, got momentum 0.9 and dampening 0.1"));
}

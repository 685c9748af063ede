// OneCycleLR against PyTorch's lr and momentum sequences (cos, linear, three-phase, Adam's beta1)
// and its errors.
#include "optim/schedule_support.h"

using namespace minidl;
using namespace minidl::testing::schedule;
using minidl::testing::matches_golden;
using ::testing::HasSubstr;

namespace {

void expect_one_cycle(const std::string& name, optim::OneCycleLROptions options, double momentum = 0.9) {
  Fixture f(0.1, momentum);
  optim::OneCycleLR sched(f.opt, options);
  std::vector<double> momenta = {f.opt.options().momentum};
  std::vector<double> lrs = lr_sequence(f.opt, [&](int) {
    sched.step();
    momenta.push_back(f.opt.options().momentum);
  });
  EXPECT_TRUE(matches_golden(doubles(lrs), golden().tensor(name + "/lr"))) << name;
  EXPECT_TRUE(matches_golden(doubles(momenta), golden().tensor(name + "/momentum"))) << name;
}

}  // namespace

TEST(OneCycleLR, MatchesPyTorchCos) { expect_one_cycle("one_cycle_lr_cos", {.max_lr = 0.5, .total_steps = 30}); }

TEST(OneCycleLR, MatchesPyTorchLinear) {
  expect_one_cycle("one_cycle_lr_linear", {.max_lr = 0.5, .total_steps = 30, .pct_start = 0.4,
                                           .anneal_strategy = optim::AnnealStrategy::linear, .div_factor = 10,
                                           .final_div_factor = 100});
}

TEST(OneCycleLR, MatchesPyTorchThreePhase) {
  expect_one_cycle("one_cycle_lr_three_phase", {.max_lr = 0.5, .total_steps = 30, .three_phase = true});
}

TEST(OneCycleLR, CyclesAdamsBeta1AsPyTorch) {
  Tensor w = zeros({2}, kFloat64).requires_grad_();
  optim::Adam opt({w}, {.lr = 0.1});
  optim::OneCycleLR sched(opt, {.max_lr = 0.01, .total_steps = 30, .base_momentum = 0.8, .max_momentum = 0.9});
  std::vector<double> beta1 = {opt.options().betas[0]};
  std::vector<double> lrs = lr_sequence(opt, [&](int) {
    sched.step();
    beta1.push_back(opt.options().betas[0]);
  });
  EXPECT_TRUE(matches_golden(doubles(lrs), golden().tensor("one_cycle_lr_adam/lr")));
  EXPECT_TRUE(matches_golden(doubles(beta1), golden().tensor("one_cycle_lr_adam/momentum")));
  EXPECT_EQ(opt.options().betas[1], 0.999);
}

TEST(OneCycleLR, RejectsStepsPastTotalAndBadOptions) {
  Fixture f(0.1, 0.9);
  optim::OneCycleLR sched(f.opt, {.max_lr = 0.5, .total_steps = 3});
  for (int i = 0; i < 3; ++i) sched.step();
  double lr = f.opt.lr(0);
  EXPECT_THAT(error_of([&] { sched.step(); }), HasSubstr("OneCycleLR: tried to step 5 times; total_steps is 3"));
  EXPECT_EQ(f.opt.lr(0), lr);
  EXPECT_EQ(sched.last_epoch(), 3);
  EXPECT_THAT(error_of([&] { optim::OneCycleLR(f.opt, {.max_lr = 0.5}); }),
              HasSubstr("OneCycleLR: total_steps must be > 0, got 0"));
  EXPECT_THAT(error_of([&] { optim::OneCycleLR(f.opt, {.max_lr = 0.5, .total_steps = 3, .pct_start = 1.5}); }),
              HasSubstr("OneCycleLR: pct_start must be in [0, 1], got 1.5"));
  Tensor w = zeros({2}).requires_grad_();
  optim::LBFGS lbfgs({w});
  EXPECT_THAT(error_of([&] { optim::OneCycleLR(lbfgs, {.max_lr = 0.5, .total_steps = 3}); }),
              HasSubstr("OneCycleLR: cycle_momentum needs an optimizer with momentum or betas, but LBFGS has neither"));
}

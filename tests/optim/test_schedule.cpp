// Learning-rate schedulers against PyTorch's lr sequences (tests/golden/optim_schedulers.json:
// the lr after construction and after each of 30 steps), their state_dicts and their errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "minidl/minidl.h"
#include "minidl/optim.h"
#include "support/golden.h"

using namespace minidl;
using minidl::testing::Golden;
using minidl::testing::matches_golden;
using ::testing::HasSubstr;

namespace {

const Golden& golden() {
  static const Golden g("optim_schedulers.json");
  return g;
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

Tensor doubles(const std::vector<double>& v) { return tensor(v, {static_cast<int64_t>(v.size())}, kFloat64); }

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

}  // namespace

TEST(StepLR, MatchesPyTorch) {
  Fixture f;
  optim::StepLR sched(f.opt, 7, 0.5);
  EXPECT_TRUE(matches_golden(doubles(lr_sequence(f.opt, [&](int) { sched.step(); })), golden().tensor("step_lr/lr")));
}

TEST(StepLR, MatchesPyTorchWithTwoGroups) {
  Tensor a = zeros({2}).requires_grad_(), b = zeros({2}).requires_grad_();
  optim::SGD opt(std::vector<optim::SGD::Group>{{.params = {a}, .options = {.lr = 0.1}}, {.params = {b}, .options = {.lr = 0.01}}});
  optim::StepLR sched(opt, 7, 0.5);
  EXPECT_TRUE(matches_golden(doubles(lr_sequence(opt, [&](int) { sched.step(); }, 1)), golden().tensor("step_lr/lr_group1")));
  EXPECT_EQ(sched.get_last_lr().size(), 2u);
}

TEST(ExponentialLR, MatchesPyTorch) {
  Fixture f;
  optim::ExponentialLR sched(f.opt, 0.9);
  EXPECT_TRUE(matches_golden(doubles(lr_sequence(f.opt, [&](int) { sched.step(); })), golden().tensor("exponential_lr/lr")));
}

TEST(CosineAnnealingLR, MatchesPyTorchOverThreeHalfPeriods) {
  Fixture f;
  optim::CosineAnnealingLR sched(f.opt, 10, 0.001);
  EXPECT_TRUE(matches_golden(doubles(lr_sequence(f.opt, [&](int) { sched.step(); })),
                             golden().tensor("cosine_annealing_lr/lr")));
}

TEST(CosineAnnealingLR, AgreesWithTheClosedForm) {
  Fixture f;
  optim::CosineAnnealingLR sched(f.opt, 10, 0.001);
  for (int e = 1; e <= 10; ++e) {
    sched.step();
    EXPECT_NEAR(f.opt.lr(0), 0.001 + (0.1 - 0.001) * (1 + std::cos(M_PI * e / 10)) / 2, 1e-15);
  }
}

TEST(LambdaLR, MatchesPyTorch) {
  Fixture f;
  optim::LambdaLR sched(f.opt, [](int64_t e) { return 1.0 / (1.0 + 0.3 * e) + 0.01 * (e % 3); });
  EXPECT_TRUE(matches_golden(doubles(lr_sequence(f.opt, [&](int) { sched.step(); })), golden().tensor("lambda_lr/lr")));
}

// Report 004: lr = eta t^-kappa, eta 0.035, kappa 0.6, t = epoch + 1; golden values are PyTorch's
// LambdaLR(lambda e: (e + 1) ** -0.6) on lr 0.035.
TEST(PowerDecayLR, MatchesPyTorchLambdaLRWithTheSameFormula) {
  Fixture f(/*lr=*/1.0);  // the optimizer's own lr is replaced by eta t^-kappa
  optim::PowerDecayLR sched(f.opt, 0.035, 0.6);
  EXPECT_EQ(f.opt.lr(0), 0.035);  // t = 1 at construction
  EXPECT_TRUE(matches_golden(doubles(lr_sequence(f.opt, [&](int) { sched.step(); })), golden().tensor("power_decay_lr/lr")));
}

TEST(LRScheduler, StateDictResumesTheSequence) {
  Fixture f;
  optim::CosineAnnealingLR sched(f.opt, 10, 0.001);
  for (int i = 0; i < 7; ++i) sched.step();
  StateDict saved = sched.state_dict();
  StateDict saved_opt = f.opt.state_dict();
  EXPECT_EQ(saved.at("last_epoch").item(), 7);
  for (int i = 0; i < 5; ++i) sched.step();

  Fixture g;
  optim::CosineAnnealingLR resumed(g.opt, 10, 0.001);
  g.opt.load_state_dict(saved_opt);  // the chainable form reads the optimizer's lr, as PyTorch
  resumed.load_state_dict(saved);
  for (int i = 0; i < 5; ++i) resumed.step();
  EXPECT_EQ(resumed.last_epoch(), 12);
  EXPECT_EQ(resumed.get_last_lr(), sched.get_last_lr());
}

TEST(LRScheduler, RejectsBadStateDictAndOptions) {
  Fixture f;
  optim::StepLR sched(f.opt, 3);
  StateDict bad = sched.state_dict();
  bad.insert("base_lrs", zeros({2}, kFloat64));
  EXPECT_THAT(error_of([&] { sched.load_state_dict(bad); }),
              HasSubstr("StepLR.load_state_dict: 'base_lrs' must be float64 (1), got float64 (2)"));
  EXPECT_EQ(sched.base_lrs(), (std::vector<double>{0.1}));
  EXPECT_THAT(error_of([&] { optim::StepLR(f.opt, 0); }), HasSubstr("StepLR: step_size must be >= 1, got 0"));
  EXPECT_THAT(error_of([&] { optim::ExponentialLR(f.opt, -0.5); }), HasSubstr("ExponentialLR: gamma must be > 0, got -0.5"));
  EXPECT_THAT(error_of([&] { optim::CosineAnnealingLR(f.opt, 0); }), HasSubstr("CosineAnnealingLR: T_max must be >= 1, got 0"));
  EXPECT_THAT(error_of([&] { optim::PowerDecayLR(f.opt, 0.035, -1); }), HasSubstr("PowerDecayLR: kappa must be >= 0, got -1"));
  EXPECT_THAT(error_of([&] {
                optim::LambdaLR(f.opt, std::vector<optim::LambdaLR::Lambda>{[](int64_t) { return 1.0; },
                                                                            [](int64_t) { return 1.0; }});
              }),
              HasSubstr("LambdaLR: expected 1 lr_lambdas (one per parameter group), got 2"));
}

// ---- OneCycleLR ------------------------------------------------------------------------------

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

// ---- ReduceLROnPlateau -----------------------------------------------------------------------

TEST(ReduceLROnPlateau, MatchesPyTorchMinRel) {
  Fixture f;
  std::vector<double> metrics = golden().tensor("plateau_metrics").to_vector();
  optim::ReduceLROnPlateau sched(f.opt, {.factor = 0.5, .patience = 2, .threshold = 0.02, .cooldown = 1, .min_lr = 0.003});
  std::vector<double> lrs = lr_sequence(f.opt, [&](int i) { sched.step(metrics[i]); });
  EXPECT_TRUE(matches_golden(doubles(lrs), golden().tensor("reduce_lr_on_plateau_min_rel/lr")));
}

TEST(ReduceLROnPlateau, MatchesPyTorchMaxAbs) {
  Fixture f;
  std::vector<double> metrics = golden().tensor("plateau_metrics").to_vector();
  optim::ReduceLROnPlateau sched(f.opt, {.mode = optim::PlateauMode::max, .factor = 0.3, .patience = 1,
                                         .threshold = 0.01, .threshold_mode = optim::ThresholdMode::abs});
  std::vector<double> lrs = lr_sequence(f.opt, [&](int i) { sched.step(-metrics[i]); });
  EXPECT_TRUE(matches_golden(doubles(lrs), golden().tensor("reduce_lr_on_plateau_max_abs/lr")));
}

TEST(ReduceLROnPlateau, StateDictRoundTripsAndErrors) {
  Fixture f;
  optim::ReduceLROnPlateau sched(f.opt, {.patience = 1});
  sched.step(1.0);
  sched.step(2.0);
  StateDict saved = sched.state_dict();
  EXPECT_EQ(saved.at("best").item(), 1.0);
  EXPECT_EQ(saved.at("num_bad_epochs").item(), 1);
  Fixture g;
  optim::ReduceLROnPlateau resumed(g.opt, {.patience = 1});
  resumed.load_state_dict(saved);
  EXPECT_EQ(resumed.best(), 1.0);
  EXPECT_EQ(resumed.num_bad_epochs(), 1);
  resumed.step(3.0);  // the second bad epoch in a row: patience 1 exceeded
  EXPECT_NEAR(g.opt.lr(0), 0.01, 1e-17);
  EXPECT_THAT(error_of([&] { optim::ReduceLROnPlateau(f.opt, {.factor = 1.0}); }),
              HasSubstr("ReduceLROnPlateau: factor must be in [0, 1), got 1"));
  StateDict bad = saved;
  bad.insert("best", zeros({2}, kFloat64));
  EXPECT_THAT(error_of([&] { resumed.load_state_dict(bad); }), HasSubstr("ReduceLROnPlateau.load_state_dict: 'best'"));
}

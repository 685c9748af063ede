// Learning-rate schedulers against PyTorch's lr sequences (tests/golden/optim_schedulers.json:
// the lr after construction and after each of 30 steps), their state_dicts and their errors.
#include <cmath>

#include "optim/schedule_support.h"

using namespace minidl;
using namespace minidl::testing::schedule;
using minidl::testing::Golden;
using minidl::testing::matches_golden;
using ::testing::HasSubstr;

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

// ReduceLROnPlateau against PyTorch's lr sequences (min/rel, max/abs), its state_dict and errors.
#include "optim/schedule_support.h"

using namespace minidl;
using namespace minidl::testing::schedule;
using minidl::testing::matches_golden;
using ::testing::HasSubstr;

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

// LBFGS against PyTorch's trajectories with a fixed step and with the strong-Wolfe line search,
// its closure requirement and its errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "optim/problem.h"

using namespace minidl;
using minidl::testing::expect_matches_pytorch;
using ::testing::HasSubstr;

TEST(LBFGS, MatchesPyTorchFixedStep) {
  expect_matches_pytorch("lbfgs", [](auto ps) {
    return std::make_unique<optim::LBFGS>(ps, optim::LBFGSOptions{.lr = 0.5, .max_iter = 3, .history_size = 4});
  });
}

TEST(LBFGS, MatchesPyTorchStrongWolfe) {
  expect_matches_pytorch("lbfgs_strong_wolfe", [](auto ps) {
    return std::make_unique<optim::LBFGS>(
        ps, optim::LBFGSOptions{.lr = 1, .max_iter = 3, .history_size = 4,
                                .line_search_fn = optim::LineSearch::strong_wolfe});
  });
}

TEST(LBFGS, DefaultMaxEvalIsPyTorchs) {
  Tensor w = ones({2}).requires_grad_();
  optim::LBFGS opt({w}, {.max_iter = 7});
  EXPECT_EQ(opt.options().max_eval, 8);
}

TEST(LBFGS, StepWithoutClosureIsAnError) {
  Tensor w = ones({2}).requires_grad_();
  optim::LBFGS opt({w});
  try {
    opt.step();
    FAIL() << "no error";
  } catch (const ValueError& e) {
    EXPECT_THAT(e.what(), HasSubstr("LBFGS: step() needs a closure"));
  }
}

TEST(LBFGS, RejectsBadOptions) {
  Tensor w = ones({2}).requires_grad_();
  auto message = [&](optim::LBFGSOptions o) {
    try {
      optim::LBFGS opt({w}, o);
    } catch (const ValueError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(message({.lr = -1}), HasSubstr("LBFGS: lr must be >= 0, got -1"));
  EXPECT_THAT(message({.max_iter = 0}), HasSubstr("LBFGS: max_iter must be >= 1, got 0"));
  EXPECT_THAT(message({.history_size = 0}), HasSubstr("LBFGS: history_size must be >= 1, got 0"));
  EXPECT_THAT(message({.tolerance_grad = -1}), HasSubstr("LBFGS: tolerance_grad must be >= 0, got -1"));
}

// After one iteration the history is empty: the state_dict holds (0, n) histories and round-trips.
TEST(LBFGS, StateDictWithEmptyHistoryRoundTrips) {
  minidl::testing::OptimProblem problem;
  optim::LBFGS opt(problem.params, {.max_iter = 1});
  opt.step(problem.closure(opt));
  StateDict saved = opt.state_dict();
  EXPECT_EQ(saved.at("state.0.old_dirs").shape(), Shape({0, 26}));
  EXPECT_EQ(saved.at("state.0.n_iter").item(), 1);
  optim::LBFGS other(problem.params, {.max_iter = 1});
  other.load_state_dict(saved);
  EXPECT_EQ(other.n_iter(), 1);
  EXPECT_EQ(other.state_dict().at("state.0.d").to_vector(), saved.at("state.0.d").to_vector());
}

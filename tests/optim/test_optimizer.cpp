// What every optimizer shares: parameter checks, zero_grad, parameter groups, and state_dict /
// load_state_dict (keys, exact resumption, and a rejected dict that changes nothing).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "optim/problem.h"
#include "support/error_of.h"

using namespace minidl;
using minidl::testing::error_of;
using minidl::testing::OptimProblem;
using ::testing::HasSubstr;

namespace {

using Make = std::function<std::unique_ptr<optim::Optimizer>(std::vector<Tensor>)>;

std::vector<std::pair<std::string, Make>> all_optimizers() {
  return {
      {"SGD", [](auto ps) { return std::make_unique<optim::SGD>(ps, optim::SGDOptions{.lr = 0.1, .momentum = 0.9}); }},
      {"Adam", [](auto ps) { return std::make_unique<optim::Adam>(ps, optim::AdamOptions{.lr = 0.01, .amsgrad = true}); }},
      {"AdamW", [](auto ps) { return std::make_unique<optim::AdamW>(ps, optim::AdamWOptions{.lr = 0.01}); }},
      {"RMSprop", [](auto ps) {
         return std::make_unique<optim::RMSprop>(ps, optim::RMSpropOptions{.momentum = 0.5, .centered = true});
       }},
      {"LBFGS", [](auto ps) {
         return std::make_unique<optim::LBFGS>(ps, optim::LBFGSOptions{.max_iter = 3, .history_size = 4,
                                                                       .line_search_fn = optim::LineSearch::strong_wolfe});
       }},
      {"BFGS", [](auto ps) { return std::make_unique<optim::BFGS>(ps, optim::BFGSOptions{.lr = 0.5, .max_iter = 2}); }},
  };
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && a.to_vector() == b.to_vector();
}

bool same_dict(const StateDict& a, const StateDict& b) {
  if (a.keys() != b.keys()) return false;
  for (const auto& [key, value] : a) {
    if (!same_bits(value, b.at(key))) return false;
  }
  return true;
}

}  // namespace

TEST(Optimizer, RejectsBadParameterLists) {
  Tensor w = ones({2}).requires_grad_();
  EXPECT_THAT(error_of([] { optim::SGD(std::vector<Tensor>{}); }), HasSubstr("SGD: got an empty parameter list"));
  EXPECT_THAT(error_of([&] { optim::Adam({w, w}); }), HasSubstr("Adam: parameter 1 is the same tensor as parameter 0"));
  EXPECT_THAT(error_of([&] { optim::SGD({w * 2.0}); }), HasSubstr("SGD: parameter 0 is not a leaf"));
  EXPECT_THAT(error_of([] { optim::SGD({arange(3)}); }), HasSubstr("SGD: parameter 0 is int64"));
  EXPECT_THAT(error_of([&] { optim::SGD(std::vector<optim::SGD::Group>{{.params = {w}}, {.params = {w}}}); }),
              HasSubstr("SGD: parameter 1 is the same tensor as parameter 0"));
  EXPECT_THAT(error_of([&] {
                optim::SGD(std::vector<optim::SGD::Group>{{.params = {w}}, {.params = {}, .options = {.lr = 1}}});
              }),
              HasSubstr("SGD: a parameter group has no parameters"));
  // A bad option in the second group is found before anything is stored.
  EXPECT_THAT(error_of([&] {
                Tensor v = ones({2}).requires_grad_();
                optim::Adam(std::vector<optim::Adam::Group>{{.params = {w}}, {.params = {v}, .options = {.lr = -0.1}}});
              }),
              HasSubstr("Adam: lr must be >= 0, got -0.1"));
}

TEST(Optimizer, ZeroGradZeroesInPlaceOrDropsTheGradient) {
  Tensor w = ones({2}).requires_grad_();
  optim::SGD opt({w});
  (w * 3.0).sum().backward();
  Tensor g = w.grad();
  opt.zero_grad();
  EXPECT_TRUE(w.grad().is_same(g));
  EXPECT_EQ(g.to_vector(), (std::vector<double>{0, 0}));
  opt.zero_grad(/*set_to_none=*/true);
  EXPECT_FALSE(w.grad().defined());
}

TEST(Optimizer, GroupOptionsAreReachableAndUsed) {
  Tensor a = ones({1}, kFloat64).requires_grad_(), b = ones({1}, kFloat64).requires_grad_();
  optim::SGD opt(std::vector<optim::SGD::Group>{{.params = {a}, .options = {.lr = 0.1}}, {.params = {b}, .options = {.lr = 0.2}}});
  ASSERT_EQ(opt.param_groups().size(), 2u);
  opt.param_groups()[1].options.lr = 0.5;
  (a + b).sum().backward();
  opt.step();
  EXPECT_DOUBLE_EQ(a.item(), 0.9);
  EXPECT_DOUBLE_EQ(b.item(), 0.5);
  EXPECT_EQ(opt.lr(1), 0.5);
}

TEST(Optimizer, StateDictHasPyTorchsKeys) {
  OptimProblem problem;
  optim::Adam opt(problem.params, {.lr = 0.01, .amsgrad = true});
  opt.step(problem.closure(opt));
  StateDict dict = opt.state_dict();
  for (const char* key : {"state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq", "state.0.max_exp_avg_sq",
                          "state.3.exp_avg", "param_groups.0.lr", "param_groups.0.betas", "param_groups.0.eps",
                          "param_groups.0.weight_decay", "param_groups.0.amsgrad", "param_groups.0.params"}) {
    EXPECT_TRUE(dict.contains(key)) << key;
  }
  EXPECT_EQ(dict.at("state.0.step").dtype(), kInt64);
  EXPECT_EQ(dict.at("state.0.step").item(), 1);
  EXPECT_EQ(dict.at("state.0.exp_avg").shape(), Shape({4, 3}));
  EXPECT_EQ(dict.at("param_groups.0.lr").dim(), 0);
  EXPECT_EQ(dict.at("param_groups.0.lr").item(), 0.01);
  EXPECT_EQ(dict.at("param_groups.0.betas").to_vector(), (std::vector<double>{0.9, 0.999}));
  EXPECT_EQ(dict.at("param_groups.0.params").to_vector(), (std::vector<double>{0, 1, 2, 3}));
  // A copy: stepping on does not change it.
  std::vector<double> saved = dict.at("state.0.exp_avg").to_vector();
  opt.step(problem.closure(opt));
  EXPECT_EQ(dict.at("state.0.exp_avg").to_vector(), saved);
}

// 10 steps in one run, or 5 steps, state_dict, a new optimizer on copied weights, load_state_dict
// and 5 more steps: the parameters agree bit for bit.
TEST(Optimizer, ResumedOptimizerContinuesBitwiseIdentically) {
  for (const auto& [name, make] : all_optimizers()) {
    OptimProblem straight;
    auto a = make(straight.params);
    for (int i = 0; i < 10; ++i) a->step(straight.closure(*a));

    OptimProblem first;
    auto b = make(first.params);
    for (int i = 0; i < 5; ++i) b->step(first.closure(*b));
    StateDict saved = b->state_dict();

    OptimProblem resumed;
    for (size_t i = 0; i < resumed.params.size(); ++i) resumed.params[i].copy_(first.params[i]);
    auto c = make(resumed.params);
    c->load_state_dict(saved);
    EXPECT_TRUE(same_dict(c->state_dict(), saved)) << name;
    for (int i = 0; i < 5; ++i) c->step(resumed.closure(*c));
    EXPECT_TRUE(same_bits(resumed.flat(), straight.flat())) << name;
  }
}

// SGD, Adam, AdamW and RMSprop update large parameters in one block per thread; every element's
// update is independent, so two threads must give the bits of one (odd sizes: a ragged last block).
TEST(Optimizer, ElementwiseUpdatesGiveTheSameBitsOnTwoThreads) {
  const int threads = get_num_threads();
  for (Dtype dtype : {kFloat32, kFloat64}) {
    for (const auto& [name, make] : all_optimizers()) {
      if (name == "LBFGS" || name == "BFGS") continue;
      std::vector<Tensor> result;
      for (int t : {1, 2}) {
        set_num_threads(t);
        Generator gen(7);
        std::vector<Tensor> params{randn({40003}, gen, dtype).requires_grad_(), randn({3, 5}, gen, dtype).requires_grad_()};
        auto optimizer = make(params);
        for (int step = 0; step < 3; ++step) {
          for (Tensor& p : params) p.set_grad(randn(p.shape(), gen, dtype));
          optimizer->step();
        }
        result.push_back(params[0].detach());
      }
      EXPECT_TRUE(same_bits(result[0], result[1])) << name << " " << to_string(dtype);
      EXPECT_FALSE(same_bits(result[0], zeros({40003}, dtype))) << name;
    }
  }
  set_num_threads(threads);
}

TEST(Optimizer, RejectedStateDictChangesNothing) {
  for (const auto& [name, make] : all_optimizers()) {
    OptimProblem problem;
    auto opt = make(problem.params);
    for (int i = 0; i < 3; ++i) opt->step(problem.closure(*opt));
    StateDict before = opt->state_dict();

    std::vector<std::pair<StateDict, std::string>> bad;
    StateDict extra = before;
    extra.insert("state.0.bogus", zeros({1}));
    bad.push_back({extra, "unexpected key 'state.0.bogus'"});
    StateDict wrong_lr = before;
    wrong_lr.insert("param_groups.0.lr", scalar_tensor(-0.1, kFloat64));
    bad.push_back({wrong_lr, "lr must be >= 0, got -0.1"});
    StateDict lr_as_vector = before;
    lr_as_vector.insert("param_groups.0.lr", zeros({2}, kFloat64));
    bad.push_back({lr_as_vector, "'param_groups.0.lr' must be a float64 tensor of shape ()"});
    StateDict second_group = before;
    second_group.insert("param_groups.1.lr", scalar_tensor(0.1, kFloat64));
    bad.push_back({second_group, "unexpected key 'param_groups.1.lr'"});
    // The last state tensor with a wrong shape (after valid entries were seen).
    std::string last_state;
    for (const auto& [key, value] : before) {
      if (key.rfind("state.", 0) == 0 && value.dim() > 0) last_state = key;
    }
    ASSERT_FALSE(last_state.empty()) << name;
    StateDict wrong_shape = before;
    wrong_shape.insert(last_state, zeros({7}, kFloat64));
    bad.push_back({wrong_shape, last_state});
    StateDict missing;
    for (const auto& [key, value] : before) {
      if (key != "param_groups.0.lr") missing.insert(key, value);
    }
    bad.push_back({missing, "missing 'param_groups.0.lr'"});

    for (const auto& [dict, expected] : bad) {
      std::string message = error_of([&] { opt->load_state_dict(dict); });
      EXPECT_THAT(message, HasSubstr(name + ".load_state_dict"));
      EXPECT_THAT(message, HasSubstr(expected)) << name;
      EXPECT_TRUE(same_dict(opt->state_dict(), before)) << name << ": " << expected;
    }
  }
}

TEST(Optimizer, StateDictOfAnotherModelIsRejected) {
  OptimProblem problem;
  optim::SGD opt(problem.params, {.lr = 0.1, .momentum = 0.9});
  opt.step(problem.closure(opt));
  Tensor w = ones({4, 3}, kFloat64).requires_grad_();
  optim::SGD other({w}, {.momentum = 0.9});
  EXPECT_THAT(error_of([&] { other.load_state_dict(opt.state_dict()); }),
              HasSubstr("SGD.load_state_dict: 'state.1.momentum_buffer' is for parameter 1, but this optimizer has 1 parameters"));
}

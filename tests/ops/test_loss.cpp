// Functional losses: PyTorch golden values (output, input and target gradients) for every loss and
// reduction, large logits, BCE at 0 and 1, float32; gradchecks; error messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "minidl/minidl.h"
#include "minidl/ops/loss.h"
#include "support/golden.h"
#include "support/gradcheck.h"

using namespace minidl;
namespace mt = minidl::testing;
using ::testing::HasSubstr;

namespace {

using LossFn = std::function<Tensor(const Tensor&, const Tensor&, Reduction)>;

Reduction reduction_of(const std::string& name) {
  if (name.ends_with("_none")) return Reduction::none;
  if (name.ends_with("_sum")) return Reduction::sum;
  return Reduction::mean;
}

// Loads case `name` of nn_losses.json, runs fn and compares y, dinput and (when PyTorch gave one) dtarget.
void expect_loss_matches_golden(const LossFn& fn, const std::string& name) {
  SCOPED_TRACE(name);
  mt::Golden g("nn_losses.json");
  Tensor input = g.tensor(name + "/input").requires_grad_();
  Tensor target = g.tensor(name + "/target");
  bool target_grad = g.json()[name].contains("dtarget");
  if (target_grad) target.requires_grad_();
  Tensor y = fn(input, target, reduction_of(name));
  EXPECT_TRUE(mt::matches_golden(y, g.tensor(name + "/y"))) << "y";
  y.backward(g.tensor(name + "/dy"));
  EXPECT_TRUE(mt::matches_golden(input.grad(), g.tensor(name + "/dinput"))) << "dinput";
  if (target_grad) {
    EXPECT_TRUE(mt::matches_golden(target.grad(), g.tensor(name + "/dtarget"))) << "dtarget";
  }
}

void for_each_reduction(const LossFn& fn, const std::string& prefix) {
  for (const char* r : {"none", "mean", "sum"}) expect_loss_matches_golden(fn, prefix + "_" + r);
}

template <class E>
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected exception not thrown";
  return "";
}

LossFn smoothed(double label_smoothing) {
  return [label_smoothing](const Tensor& x, const Tensor& t, Reduction r) { return cross_entropy(x, t, r, label_smoothing); };
}
// nll_loss and binary_cross_entropy_with_logits have an options overload too, so their names alone
// do not convert to a LossFn.
Tensor nll(const Tensor& x, const Tensor& t, Reduction r) { return nll_loss(x, t, r); }
Tensor bce_logits(const Tensor& x, const Tensor& t, Reduction r) { return binary_cross_entropy_with_logits(x, t, r); }

LossFn plain_ce() {
  return [](const Tensor& x, const Tensor& t, Reduction r) { return cross_entropy(x, t, r); };
}

}  // namespace

TEST(Loss, MseMatchesPyTorch) { for_each_reduction(mse_loss, "mse"); }
TEST(Loss, L1MatchesPyTorch) { for_each_reduction(l1_loss, "l1"); }
TEST(Loss, BinaryCrossEntropyMatchesPyTorch) {
  for_each_reduction(binary_cross_entropy, "bce");
  for_each_reduction(binary_cross_entropy, "bce_soft");
}
TEST(Loss, BinaryCrossEntropyClampsLogsAtMinus100AsPyTorch) {
  expect_loss_matches_golden(binary_cross_entropy, "bce_edge_none");
}
TEST(Loss, BinaryCrossEntropyWithLogitsMatchesPyTorch) {
  for_each_reduction(bce_logits, "bce_logits");
  expect_loss_matches_golden(bce_logits, "bce_logits_big_sum");  // logits of +-1000
}
TEST(Loss, CrossEntropyWithClassIndicesMatchesPyTorch) {
  for_each_reduction(plain_ce(), "ce_index");
  for_each_reduction(smoothed(0.2), "ce_index_smooth");
  expect_loss_matches_golden(plain_ce(), "ce_big_mean");  // logits of +-1000: finite
}
TEST(Loss, CrossEntropyWithProbabilitiesMatchesPyTorch) {
  for_each_reduction(plain_ce(), "ce_prob");
  for_each_reduction(smoothed(0.2), "ce_prob_smooth");
  for_each_reduction(plain_ce(), "ce_onehot");
}
TEST(Loss, NllMatchesPyTorch) { for_each_reduction(nll, "nll"); }
TEST(Loss, Float32MatchesPyTorch) {
  expect_loss_matches_golden(plain_ce(), "ce_index_f32_mean");
  expect_loss_matches_golden(plain_ce(), "ce_prob_f32_sum");
  expect_loss_matches_golden(mse_loss, "mse_f32_mean");
}

TEST(Loss, OneHotTargetGivesTheSameLossAsIndices) {
  Generator gen(0);
  Tensor x = randn({5, 3}, gen, kFloat64);
  Tensor labels = tensor(std::vector<int64_t>{0, 2, 1, 1, 0});
  for (double eps : {0.0, 0.3}) {
    EXPECT_NEAR(cross_entropy(x, labels, Reduction::mean, eps).item(),
                cross_entropy(x, one_hot(labels, 3, kFloat64), Reduction::mean, eps).item(), 1e-14);
  }
}

TEST(Loss, GradientsMatchFiniteDifferences) {
  Generator gen(1);
  Tensor x = randn({4, 3}, gen, kFloat64), y = randn({4, 3}, gen, kFloat64);
  Tensor p = uniform({4, 3}, 0.05, 0.95, gen, kFloat64), q = rand({4, 3}, gen, kFloat64);
  Tensor labels = tensor(std::vector<int64_t>{2, 0, 1, 2});
  Tensor soft = softmax(randn({4, 3}, gen, kFloat64), 1);
  for (Reduction r : {Reduction::none, Reduction::mean, Reduction::sum}) {
    SCOPED_TRACE(to_string(r));
    auto with = [r](auto f) { return [r, f](const std::vector<Tensor>& in) { return f(in[0], in[1], r); }; };
    mt::expect_gradients_match(with(mse_loss), {x, y});
    mt::expect_gradients_match(with(l1_loss), {x, y});
    mt::expect_gradients_match(with(binary_cross_entropy), {p, q});
    mt::expect_gradients_match(with(bce_logits), {x * 3.0, q});
    mt::expect_gradients_match(with(nll), {x, labels});
    for (double eps : {0.0, 0.25}) {
      auto ce = [r, eps](const std::vector<Tensor>& in) { return cross_entropy(in[0], in[1], r, eps); };
      mt::expect_gradients_match(ce, {x, labels});
      mt::expect_gradients_match(ce, {x, soft});
    }
  }
}

TEST(Loss, StableForLargeLogits) {
  Tensor x = tensor(std::vector<double>{1e4, -1e4, 0, -1e4, 1e4, 0}, {2, 3}, kFloat32).requires_grad_();
  Tensor labels = tensor(std::vector<int64_t>{0, 0});
  Tensor loss = cross_entropy(x, labels);
  EXPECT_NEAR(loss.item(), 1e4, 1.0);  // row 0: 0, row 1: 2e4, mean 1e4
  loss.backward();
  for (double g : x.grad().to_vector()) EXPECT_TRUE(std::isfinite(g));
  Tensor z = tensor(std::vector<double>{-1e4, 1e4}, {2}, kFloat32);
  Tensor t = tensor(std::vector<double>{1, 0}, {2}, kFloat32);
  EXPECT_NEAR(binary_cross_entropy_with_logits(z, t, Reduction::sum).item(), 2e4, 1.0);
}

TEST(Loss, ErrorsNameTheLossAndShapes) {
  Tensor x = zeros({50, 1}), y = zeros({50});
  EXPECT_THAT(error_of<ShapeError>([&] { mse_loss(x, y); }),
              HasSubstr("mse_loss: input (50, 1) and target (50) have different shapes"));
  EXPECT_THAT(error_of<ValueError>([&] { binary_cross_entropy(full({2}, 1.5), zeros({2})); }),
              HasSubstr("binary_cross_entropy: input must be probabilities in [0, 1], element 0 is 1.5"));
  Tensor logits = zeros({3, 2});
  EXPECT_THAT(error_of<IndexError>([&] { cross_entropy(logits, tensor(std::vector<int64_t>{0, 2, 1})); }),
              HasSubstr("cross_entropy: target 2 at position 1 is out of range for 2 classes"));
  EXPECT_THAT(error_of<ShapeError>([&] { cross_entropy(logits, tensor(std::vector<int64_t>{0, 1})); }),
              HasSubstr("class-index target must have shape (3) for input (3, 2), got (2)"));
  EXPECT_THAT(error_of<ShapeError>([&] { cross_entropy(logits, zeros({3, 3})); }),
              HasSubstr("a probability target must have the input's shape (3, 2), got (3, 3)"));
  EXPECT_THAT(error_of<ShapeError>([&] { cross_entropy(zeros({3}), zeros({3})); }),
              HasSubstr("input must be 2-D (N, C), got shape (3)"));
  EXPECT_THAT(error_of<ValueError>([&] { cross_entropy(logits, zeros({3, 2}), Reduction::mean, 1.5); }),
              HasSubstr("label_smoothing must be in [0, 1]"));
  EXPECT_THAT(error_of<DtypeError>([&] { nll_loss(logits, zeros({3})); }), HasSubstr("nll_loss: target must be int64"));
  EXPECT_THAT(error_of<DtypeError>([&] { mse_loss(x, zeros({50, 1}, kFloat64)); }), HasSubstr("different dtypes"));
}

TEST(Loss, ReductionNames) {
  EXPECT_EQ(to_string(Reduction::none), "none");
  EXPECT_EQ(to_string(Reduction::mean), "mean");
  EXPECT_EQ(to_string(Reduction::sum), "sum");
}

// Cross-entropy over sequences: (N, C, T) logits and (N, T) targets as PyTorch takes them.
TEST(CrossEntropy, SequencesMatchPyTorch) {
  mt::Golden g("rnn.json");
  for (std::string name : {"ce_seq_none", "ce_seq_mean", "ce_seq_sum", "ce_4d_smooth_mean"}) {
    SCOPED_TRACE(name);
    std::string key = "losses/" + name;
    Tensor x = g.tensor(key + "/input").requires_grad_();
    double smoothing = name == "ce_4d_smooth_mean" ? 0.1 : 0.0;
    Tensor y = cross_entropy(x, g.tensor(key + "/target"), reduction_of(name), smoothing);
    EXPECT_TRUE(mt::matches_golden(y, g.tensor(key + "/y")));
    y.backward(g.tensor(key + "/dy"));
    EXPECT_TRUE(mt::matches_golden(x.grad(), g.tensor(key + "/dinput")));
  }
}

TEST(CrossEntropy, SequenceGradientsMatchFiniteDifferences) {
  Generator gen(5);
  Tensor labels = tensor(std::vector<int64_t>{0, 3, 1, 2, 2, 0}, {2, 3});
  Tensor probs = softmax(randn({2, 4, 3}, gen, kFloat64), 1);
  for (Reduction r : {Reduction::none, Reduction::mean, Reduction::sum}) {
    mt::expect_gradients_match([&](const std::vector<Tensor>& in) { return cross_entropy(in[0], labels, r); },
                               {randn({2, 4, 3}, gen, kFloat64)});
    mt::expect_gradients_match([&](const std::vector<Tensor>& in) { return cross_entropy(in[0], in[1], r, 0.2); },
                               {randn({2, 4, 3}, gen, kFloat64), probs});
  }
}

TEST(CrossEntropy, SequenceTargetShapeErrors) {
  try {
    cross_entropy(zeros({2, 4, 3}), tensor(std::vector<int64_t>{0, 1, 2}, {3}));
    ADD_FAILURE() << "no ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("for input (N, C, d1, ...) (2, 4, 3) the target must be int64 class indices (2, 3), got int64 (3)"));
  }
}

// ---- options: class weights, ignore_index, pos_weight, multi-output BCE (issue 15) -------------

namespace {

// Runs case `name` of nn_losses.json with the keyword options PyTorch was called with.
void expect_option_case_matches_golden(const std::string& name) {
  mt::Golden g("nn_losses.json");
  const nlohmann::json& options = g[name + "/options"];
  Tensor weight = options.contains("weight") ? mt::Golden::to_tensor(options["weight"]) : Tensor();
  Tensor pos_weight = options.contains("pos_weight") ? mt::Golden::to_tensor(options["pos_weight"]) : Tensor();
  int64_t ignore_index = options.value("ignore_index", int64_t{-100});
  double label_smoothing = options.value("label_smoothing", 0.0);
  LossFn fn;
  if (name.starts_with("ce_")) {
    fn = [=](const Tensor& x, const Tensor& t, Reduction r) {
      return cross_entropy(x, t, {.reduction = r, .weight = weight, .ignore_index = ignore_index, .label_smoothing = label_smoothing});
    };
  } else if (name.starts_with("nll_")) {
    fn = [=](const Tensor& x, const Tensor& t, Reduction r) {
      return nll_loss(x, t, {.reduction = r, .weight = weight, .ignore_index = ignore_index});
    };
  } else {
    fn = [=](const Tensor& x, const Tensor& t, Reduction r) {
      return binary_cross_entropy_with_logits(x, t, {.reduction = r, .pos_weight = pos_weight});
    };
  }
  expect_loss_matches_golden(fn, name);
}

void option_cases(const std::string& prefix) {
  for (const char* r : {"none", "mean", "sum"}) expect_option_case_matches_golden(prefix + "_" + r);
}

}  // namespace

TEST(LossOptions, CrossEntropyClassWeightsMatchPyTorch) {
  option_cases("ce_weight");
  option_cases("ce_prob_weight");         // probabilities: 'mean' divides by N, not by the weights
  option_cases("ce_prob_weight_smooth");
}

TEST(LossOptions, CrossEntropyIgnoreIndexMatchesPyTorch) {
  option_cases("ce_ignore");                // -100, PyTorch's default
  option_cases("ce_weight_ignore");         // 'mean' divides by the weights of the targets not ignored
  option_cases("ce_ignore_smooth");
  option_cases("ce_weight_ignore_smooth");  // ignore_index = 1, a real class
  option_cases("ce_seq_weight_ignore");     // (N, C, T) with ignore_index = -1
  expect_option_case_matches_golden("ce_all_ignored_mean");  // nan, zero gradient
}

TEST(LossOptions, NllWeightAndIgnoreIndexMatchPyTorch) {
  option_cases("nll_weight");
  option_cases("nll_weight_ignore");
}

TEST(LossOptions, BceWithLogitsPosWeightAndOneHotTargetsMatchPyTorch) {
  option_cases("bce_logits_pos_weight");
  option_cases("bce_logits_onehot");  // report 004: 2 outputs, one-hot targets
  option_cases("bce_logits_onehot_pos_weight");
}

TEST(LossOptions, Float32MatchesPyTorch) {
  expect_option_case_matches_golden("ce_weight_ignore_smooth_f32_mean");
  expect_option_case_matches_golden("nll_weight_ignore_f32_sum");
  expect_option_case_matches_golden("bce_logits_pos_weight_f32_mean");
}

TEST(LossOptions, GradientsMatchFiniteDifferences) {
  Generator gen(7);
  Tensor x = randn({5, 3}, gen, kFloat64), q = rand({5, 3}, gen, kFloat64);
  Tensor soft = softmax(randn({5, 3}, gen, kFloat64), 1);
  Tensor weight = tensor(std::vector<double>{0.5, 2.0, 1.25}, {3}, kFloat64);
  Tensor labels = tensor(std::vector<int64_t>{2, -100, 1, 0, 1});
  for (Reduction r : {Reduction::none, Reduction::mean, Reduction::sum}) {
    SCOPED_TRACE(to_string(r));
    for (double eps : {0.0, 0.25}) {
      auto ce = [&](const std::vector<Tensor>& in) {
        return cross_entropy(in[0], in[1], {.reduction = r, .weight = weight, .label_smoothing = eps});
      };
      mt::expect_gradients_match(ce, {x, labels});
      mt::expect_gradients_match(ce, {x, soft});
    }
    mt::expect_gradients_match(
        [&](const std::vector<Tensor>& in) { return nll_loss(in[0], in[1], {.reduction = r, .weight = weight}); },
        {x, labels});
    mt::expect_gradients_match(
        [&](const std::vector<Tensor>& in) {
          return binary_cross_entropy_with_logits(in[0], in[1], {.reduction = r, .pos_weight = weight});
        },
        {x * 3.0, q});
  }
}

TEST(LossOptions, IgnoredTargetsAddNothingAndGetNoGradient) {
  Generator gen(8);
  Tensor x = randn({4, 3}, gen, kFloat64).requires_grad_();
  Tensor labels = tensor(std::vector<int64_t>{0, 2, 2, 1});
  Tensor loss = cross_entropy(x, labels, {.reduction = Reduction::none, .ignore_index = 2});
  EXPECT_EQ(loss.at({1}), 0.0);
  EXPECT_EQ(loss.at({2}), 0.0);
  sum(loss).backward();
  for (int64_t c = 0; c < 3; ++c) {
    EXPECT_EQ(x.grad().at({1, c}), 0.0);
    EXPECT_EQ(x.grad().at({2, c}), 0.0);
    EXPECT_NE(x.grad().at({0, c}), 0.0);
  }
  // The mean is over the two rows left.
  Tensor kept = index_select(x.detach(), tensor(std::vector<int64_t>{0, 3}));
  EXPECT_NEAR(cross_entropy(x, labels, {.ignore_index = 2}).item(),
              cross_entropy(kept, tensor(std::vector<int64_t>{0, 1})).item(), 1e-14);
}

TEST(LossOptions, UnitWeightsAndDefaultsGiveTheUnweightedLoss) {
  Generator gen(9);
  Tensor x = randn({6, 4}, gen, kFloat64);
  Tensor labels = tensor(std::vector<int64_t>{0, 3, 1, 1, 2, 0});
  Tensor ones4 = ones({4}, kFloat64);
  for (Reduction r : {Reduction::mean, Reduction::sum}) {
    EXPECT_EQ(cross_entropy(x, labels, CrossEntropyLossOptions{.reduction = r}).item(), cross_entropy(x, labels, r).item());
    EXPECT_NEAR(cross_entropy(x, labels, {.reduction = r, .weight = ones4, .label_smoothing = 0.1}).item(),
                cross_entropy(x, labels, r, 0.1).item(), 1e-13);
    EXPECT_NEAR(nll_loss(x, labels, {.reduction = r, .weight = ones4}).item(), nll_loss(x, labels, r).item(), 1e-13);
    Tensor q = rand({6, 4}, gen, kFloat64);
    EXPECT_NEAR(binary_cross_entropy_with_logits(x, q, {.reduction = r, .pos_weight = ones4}).item(),
                binary_cross_entropy_with_logits(x, q, r).item(), 1e-13);
  }
}

TEST(LossOptions, ErrorsNameTheOpAndShapes) {
  Tensor logits = zeros({3, 4});
  Tensor labels = tensor(std::vector<int64_t>{0, 2, 1});
  EXPECT_THAT(error_of<ShapeError>([&] { cross_entropy(logits, labels, {.weight = ones({3})}); }),
              HasSubstr("cross_entropy: weight must be 1-D with one value per class (4) for input (3, 4), got shape (3)"));
  EXPECT_THAT(error_of<DtypeError>([&] { nll_loss(logits, labels, {.weight = ones({4}, kFloat64)}); }),
              HasSubstr("nll_loss: weight is float64 but input is float32"));
  EXPECT_THAT(error_of<IndexError>([&] { cross_entropy(logits, tensor(std::vector<int64_t>{0, -1, 1})); }),
              HasSubstr("cross_entropy: target -1 at position 1 is out of range for 4 classes (input (3, 4), ignore_index -100)"));
  // -100 is PyTorch's default ignore_index: no error; -1 is fine when it is the ignore_index.
  EXPECT_NO_THROW(cross_entropy(logits, tensor(std::vector<int64_t>{0, -100, 1})));
  EXPECT_NO_THROW(nll_loss(logits, tensor(std::vector<int64_t>{0, -1, 1}), {.ignore_index = -1}));
  EXPECT_THAT(error_of<ShapeError>([&] { binary_cross_entropy_with_logits(logits, zeros({3, 4}), {.pos_weight = ones({3})}); }),
              HasSubstr("binary_cross_entropy_with_logits: pos_weight must be 1-D with one value per class of input's last "
                        "dimension (4), got shape (3) for input (3, 4)"));
  EXPECT_THAT(error_of<DtypeError>([&] {
                binary_cross_entropy_with_logits(logits, zeros({3, 4}), {.pos_weight = ones({4}, kFloat64)});
              }),
              HasSubstr("pos_weight is float64 but input is float32"));
}

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
  for_each_reduction(binary_cross_entropy_with_logits, "bce_logits");
  expect_loss_matches_golden(binary_cross_entropy_with_logits, "bce_logits_big_sum");  // logits of +-1000
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
TEST(Loss, NllMatchesPyTorch) { for_each_reduction(nll_loss, "nll"); }
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
    mt::expect_gradients_match(with(binary_cross_entropy_with_logits), {x * 3.0, q});
    mt::expect_gradients_match(with(nll_loss), {x, labels});
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

// Metrics against small cases worked out by hand.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "minidl/data/metrics.h"
#include "minidl/error.h"

using namespace minidl;
using namespace minidl::data;
using ::testing::HasSubstr;

namespace {
Tensor ints(std::vector<int64_t> v) { return tensor(v); }
}  // namespace

TEST(Accuracy, ArgmaxForSeveralOutputs) {
  // rows' argmax: 1, 0, 2, 0 (tie between 0 and 1 -> the first)
  Tensor out = tensor(std::vector<double>{0.1, 0.7, 0.2, 2, 1, 0, -1, -2, 3, 5, 5, 1}, {4, 3});
  EXPECT_EQ(predict(out, OutputKind::logits).to_vector(), (std::vector<double>{1, 0, 2, 0}));
  EXPECT_DOUBLE_EQ(accuracy(out, ints({1, 0, 0, 0}), OutputKind::logits), 0.75);
}

// Two outputs take a branch-free path; the rule is the same: the first maximum, a NaN wins.
TEST(Accuracy, TwoOutputsFollowTheArgmaxRule) {
  const double nan = std::nan("");
  Tensor out = tensor(std::vector<double>{1, 2, 2, 1, 3, 3, nan, 1, 1, nan, nan, nan}, {6, 2});
  EXPECT_EQ(predict(out, OutputKind::logits).to_vector(), (std::vector<double>{1, 0, 0, 0, 1, 0}));
  // The general loop (three outputs, the third never the largest) agrees.
  Tensor three = tensor(std::vector<double>{1, 2, -9, 2, 1, -9, 3, 3, -9, nan, 1, -9, 1, nan, -9, nan, nan, -9}, {6, 3});
  EXPECT_EQ(predict(three, OutputKind::logits).to_vector(), predict(out, OutputKind::logits).to_vector());
  EXPECT_EQ(count_correct(out.to(kFloat32), ints({1, 0, 1, 0, 1, 0}), OutputKind::logits), 5);
}

TEST(Accuracy, OneOutputThresholdDependsOnTheKind) {
  Tensor out = tensor(std::vector<double>{-0.3, 0.2, 0.6, 0.5}, {4, 1});
  // logits: > 0 -> 0 1 1 1; probabilities: > 0.5 -> 0 0 1 0
  EXPECT_EQ(predict(out, OutputKind::logits).to_vector(), (std::vector<double>{0, 1, 1, 1}));
  EXPECT_EQ(predict(out, OutputKind::probabilities).to_vector(), (std::vector<double>{0, 0, 1, 0}));
  Tensor labels = ints({0, 0, 1, 1});
  EXPECT_DOUBLE_EQ(accuracy(out, labels, OutputKind::logits), 0.75);
  EXPECT_DOUBLE_EQ(accuracy(out, labels, OutputKind::probabilities), 0.75);
  EXPECT_DOUBLE_EQ(accuracy(tensor(std::vector<double>{0.9, 0.1}), ints({1, 1}), OutputKind::probabilities), 0.5);
}

TEST(Accuracy, Errors) {
  try {
    accuracy(zeros({3, 2}), ints({0, 1}), OutputKind::logits);
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("outputs (3, 2) and labels (2)"));
  }
  EXPECT_THROW(accuracy(zeros({2, 2}), zeros({2}), OutputKind::logits), DtypeError);
  EXPECT_THROW(predict(zeros({2, 2, 2}), OutputKind::logits), ShapeError);
}

TEST(ConfusionMatrix, ThreeClassesByHand) {
  ConfusionMatrix cm(3);
  // true:      0 0 0 1 1 2 2 2 2
  // predicted: 0 0 1 1 2 2 2 2 0
  cm.add(ints({0, 0, 1, 1, 2, 2, 2, 2, 0}), ints({0, 0, 0, 1, 1, 2, 2, 2, 2}));
  // rows true: [2 1 0], [0 1 1], [1 0 3]
  EXPECT_EQ(cm.count(0, 0), 2);
  EXPECT_EQ(cm.count(0, 1), 1);
  EXPECT_EQ(cm.count(1, 2), 1);
  EXPECT_EQ(cm.count(2, 0), 1);
  EXPECT_EQ(cm.count(2, 2), 3);
  EXPECT_EQ(cm.total(), 9);
  EXPECT_DOUBLE_EQ(cm.accuracy(), 6.0 / 9);
  // class 0: TP 2, FP 1 (column 0: 2 + 0 + 1), FN 1 -> P 2/3, R 2/3, F1 2/3
  EXPECT_DOUBLE_EQ(cm.precision(0), 2.0 / 3);
  EXPECT_DOUBLE_EQ(cm.recall(0), 2.0 / 3);
  EXPECT_DOUBLE_EQ(cm.f1(0), 2.0 / 3);
  // class 1: TP 1, column 1+1 = 2, row 2 -> P 1/2, R 1/2
  EXPECT_DOUBLE_EQ(cm.precision(1), 0.5);
  EXPECT_DOUBLE_EQ(cm.recall(1), 0.5);
  // class 2: TP 3, column 0+1+3 = 4, row 4 -> P 3/4, R 3/4
  EXPECT_DOUBLE_EQ(cm.precision(2), 0.75);
  EXPECT_DOUBLE_EQ(cm.recall(2), 0.75);
  EXPECT_DOUBLE_EQ(cm.macro_precision(), (2.0 / 3 + 0.5 + 0.75) / 3);
  EXPECT_DOUBLE_EQ(cm.macro_f1(), (2.0 / 3 + 0.5 + 0.75) / 3);
}

TEST(ConfusionMatrix, F1WithUnequalPrecisionAndRecall) {
  ConfusionMatrix cm(2);
  // true 1 x4: predicted 1 1 1 0; true 0 x2: predicted 1 0 -> class 1: TP 3, FP 1, FN 1
  cm.add(ints({1, 1, 1, 0, 1, 0}), ints({1, 1, 1, 1, 0, 0}));
  EXPECT_DOUBLE_EQ(cm.precision(1), 0.75);
  EXPECT_DOUBLE_EQ(cm.recall(1), 0.75);
  // class 0: TP 1, FP 1 (a true 1 predicted 0), FN 1 -> P 1/2, R 1/2
  EXPECT_DOUBLE_EQ(cm.f1(0), 0.5);
  ConfusionMatrix skewed(2);
  // class 1: TP 1, FP 3, FN 0 -> P 1/4, R 1, F1 = 2 (1/4)(1) / (5/4) = 0.4
  skewed.add(ints({1, 1, 1, 1}), ints({1, 0, 0, 0}));
  EXPECT_DOUBLE_EQ(skewed.f1(1), 0.4);
  // class 0 never predicted: precision 0 (zero_division), recall 0, F1 0
  EXPECT_DOUBLE_EQ(skewed.precision(0), 0.0);
  EXPECT_DOUBLE_EQ(skewed.f1(0), 0.0);
}

TEST(ConfusionMatrix, BinaryCountsAreTheReport002View) {
  ConfusionMatrix cm(2);
  // (true, predicted): (1,1) (1,1) (0,0) (0,1) (1,0) (0,0) (0,0)
  cm.add(ints({1, 1, 0, 1, 0, 0, 0}), ints({1, 1, 0, 0, 1, 0, 0}));
  BinaryCounts c = cm.binary_counts();
  EXPECT_EQ(c.tp, 2);
  EXPECT_EQ(c.tn, 3);
  EXPECT_EQ(c.fp, 1);
  EXPECT_EQ(c.fn, 1);
  EXPECT_THROW(ConfusionMatrix(3).binary_counts(), ValueError);
}

TEST(ConfusionMatrix, AddFromOutputsAndReset) {
  ConfusionMatrix cm(2);
  cm.add(tensor(std::vector<double>{-1, 2, 0.5}, {3, 1}), ints({0, 1, 0}), OutputKind::logits);
  EXPECT_EQ(cm.count(0, 0), 1);
  EXPECT_EQ(cm.count(1, 1), 1);
  EXPECT_EQ(cm.count(0, 1), 1);
  cm.reset();
  EXPECT_EQ(cm.total(), 0);
  EXPECT_DOUBLE_EQ(cm.accuracy(), 0.0);
}

TEST(ConfusionMatrix, ToStringShowsRowsAsTrueClasses) {
  ConfusionMatrix cm(2);
  cm.add(ints({0, 1, 1}), ints({0, 0, 1}));
  std::string s = cm.to_string({"out", "in"});
  EXPECT_THAT(s, HasSubstr("rows: true class"));
  EXPECT_THAT(s, HasSubstr("out     1    1"));  // true 0: predicted 0 once, 1 once
  EXPECT_THAT(s, HasSubstr("in      0    1"));
  EXPECT_THAT(s, HasSubstr("accuracy 0.6667 (3 examples)"));
}

TEST(ConfusionMatrix, Errors) {
  EXPECT_THROW(ConfusionMatrix(1), ValueError);
  ConfusionMatrix cm(2);
  try {
    cm.add(ints({0, 2}), ints({0, 1}));
    FAIL();
  } catch (const IndexError& e) {
    EXPECT_THAT(e.what(), HasSubstr("row 1 has prediction 2 and label 1; both must be in [0, 2)"));
  }
  EXPECT_EQ(cm.total(), 0);  // the bad batch added nothing
  try {
    cm.add(ints({0, 1, 1}), ints({0, 1}));
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("3 predictions for 2 labels"));
  }
}

TEST(RunningMean, WeightsByCount) {
  RunningMean m;
  m.add(1.0, 50);
  m.add(4.0, 10);  // (50 + 40) / 60
  EXPECT_DOUBLE_EQ(m.mean(), 1.5);
  EXPECT_EQ(m.count(), 60);
  m.reset();
  EXPECT_DOUBLE_EQ(m.mean(), 0.0);
}

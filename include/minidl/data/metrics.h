// Classification metrics: accuracy, a confusion matrix (rows are the true class) with precision,
// recall and F1 per class, and a running mean for the loss of an epoch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "minidl/tensor.h"

namespace minidl::data {

// How a 1-output network's output is read: logits are class 1 when > 0, probabilities (or a
// regression onto the 0/1 label, as MSE with 1 output) when > 0.5. With > 1 outputs the
// prediction is the argmax (the first maximum on ties) whatever the kind.
enum class OutputKind { logits, probabilities };

// outputs: float (N, C), C >= 2 -> argmax; (N, 1) or (N) -> the threshold of `kind`.
// -> int64 (N) predicted classes.
Tensor predict(const Tensor& outputs, OutputKind kind);
// How many of predict(outputs, kind) equal labels (int64 (N)), without making the predictions.
int64_t count_correct(const Tensor& outputs, const Tensor& labels, OutputKind kind);
// Fraction of predict(outputs, kind) equal to labels (int64 (N)); in [0, 1].
double accuracy(const Tensor& outputs, const Tensor& labels, OutputKind kind);

// The binary view of report 002, class 1 positive.
struct BinaryCounts {
  int64_t tp = 0, tn = 0, fp = 0, fn = 0;
};

class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(int64_t num_classes);

  // predictions, labels: int64 (N), each in [0, num_classes).
  void add(const Tensor& predictions, const Tensor& labels);
  // The same from network outputs (see predict()).
  void add(const Tensor& outputs, const Tensor& labels, OutputKind kind);
  void reset();

  int64_t num_classes() const { return num_classes_; }
  // count(t, p): examples of true class t predicted as p (row t, column p).
  int64_t count(int64_t true_class, int64_t predicted_class) const;
  int64_t total() const;

  double accuracy() const;  // trace / total (0 when empty)
  // A class never predicted has precision 0, a class absent from the labels has recall 0, and
  // F1 is 0 when precision + recall is 0 (scikit-learn's zero_division=0).
  double precision(int64_t c) const;  // TP / (TP + FP), column c
  double recall(int64_t c) const;     // TP / (TP + FN), row c
  double f1(int64_t c) const;         // 2 P R / (P + R)
  double macro_precision() const;     // unweighted means over the classes
  double macro_recall() const;
  double macro_f1() const;

  BinaryCounts binary_counts() const;  // needs num_classes == 2; class 1 is positive

  // The table, rows true / columns predicted, then precision, recall and F1 per class.
  // class_names (optional) label the rows.
  std::string to_string(const std::vector<std::string>& class_names = {}) const;

 private:
  int64_t num_classes_;
  std::vector<int64_t> counts_;  // row-major (true, predicted)
};

// The mean of values weighted by counts: add(batch_loss, batch_size) over an epoch gives the mean
// loss per example, as sum(loss * n) / sum(n).
class RunningMean {
 public:
  void add(double value, int64_t count = 1);
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
  int64_t count() const { return count_; }
  void reset() { sum_ = 0.0, count_ = 0; }

 private:
  double sum_ = 0.0;
  int64_t count_ = 0;
};

}  // namespace minidl::data

// Metrics on int64 predictions and labels; counts are exact integers, ratios are doubles.
#include "minidl/data/metrics.h"

#include <cstdio>
#include <string>

#include "minidl/error.h"

namespace minidl::data {

namespace {

void check_labels(const char* op, const Tensor& labels, const char* name) {
  if (!labels.defined() || labels.dtype() != kInt64 || labels.dim() != 1) {
    throw DtypeError(std::string(op) + ": " + name + " must be int64 of shape (N), got " +
                     (labels.defined() ? to_string(labels.dtype()) + " " + to_string(labels.shape()) : "undefined"));
  }
}

double ratio(int64_t a, int64_t b) { return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0; }

}  // namespace

namespace {

void check_outputs(const char* op, const Tensor& outputs) {
  if (!outputs.defined() || !is_floating(outputs.dtype()) || outputs.dim() < 1 || outputs.dim() > 2) {
    throw ShapeError(std::string(op) + ": outputs must be float (N, C) or (N), got " +
                     (outputs.defined() ? to_string(outputs.dtype()) + " " + to_string(outputs.shape()) : "undefined"));
  }
  if (outputs.dim() == 2 && outputs.size(1) == 0) {
    throw ShapeError(std::string(op) + ": outputs have 0 columns " + to_string(outputs.shape()));
  }
}

// Calls f(i, predicted class of row i): the argmax of C >= 2 outputs (the first maximum; a NaN
// wins, as minidl::max), else output > 0 (logits) or > 0.5 (probabilities). One loop, no
// temporaries: the trainer counts correct predictions inside its timed loop with it.
template <class F>
void for_each_prediction(const Tensor& outputs, OutputKind kind, F f) {
  const int64_t n = outputs.size(0), c = outputs.dim() == 2 ? outputs.size(1) : 1;
  auto rows = [&]<class T>() {
    const T* y = outputs.data<T>();
    const T threshold = kind == OutputKind::logits ? T(0) : T(0.5);
    for (int64_t i = 0; i < n; ++i) {
      const T* row = y + i * c;
      int64_t best = 0;
      // The later output wins if it is larger, or NaN against a number.
      auto later_wins = [](T v, T b) { return (v > b) | ((v != v) & (b == b)); };
      if (c == 1) {
        best = row[0] > threshold ? 1 : 0;
      } else if (c == 2) {
        // Arithmetic, not a branch: the trainer calls this on every batch, and a branch on two
        // near-equal outputs was mispredicted half the time (3% of a batch-50 step).
        best = static_cast<int64_t>(later_wins(row[1], row[0]));
      } else {
        for (int64_t k = 1; k < c; ++k) {
          if (later_wins(row[k], row[best])) best = k;
        }
      }
      f(i, best);
    }
  };
  if (outputs.dtype() == kFloat64) rows.template operator()<double>();
  else rows.template operator()<float>();
}

}  // namespace

Tensor predict(const Tensor& outputs, OutputKind kind) {
  check_outputs("predict", outputs);
  Tensor y = Tensor::empty({outputs.size(0)}, kInt64);
  int64_t* p = y.data<int64_t>();
  for_each_prediction(outputs, kind, [p](int64_t i, int64_t cls) { p[i] = cls; });
  return y;
}

int64_t count_correct(const Tensor& outputs, const Tensor& labels, OutputKind kind) {
  check_outputs("count_correct", outputs);
  check_labels("count_correct", labels, "labels");
  if (outputs.size(0) != labels.size(0)) {
    throw ShapeError("count_correct: outputs " + to_string(outputs.shape()) + " and labels " +
                     to_string(labels.shape()) + " have different numbers of rows");
  }
  const int64_t* y = labels.data<int64_t>();
  int64_t right = 0;
  for_each_prediction(outputs, kind, [&](int64_t i, int64_t cls) { right += cls == y[i]; });
  return right;
}

double accuracy(const Tensor& outputs, const Tensor& labels, OutputKind kind) {
  check_labels("accuracy", labels, "labels");
  if (!outputs.defined() || outputs.size(0) != labels.size(0)) {
    throw ShapeError("accuracy: outputs " + (outputs.defined() ? to_string(outputs.shape()) : std::string("undefined")) +
                     " and labels " + to_string(labels.shape()) + " have different numbers of rows");
  }
  return ratio(count_correct(outputs, labels, kind), labels.size(0));
}

ConfusionMatrix::ConfusionMatrix(int64_t num_classes) : num_classes_(num_classes) {
  if (num_classes < 2) throw ValueError("ConfusionMatrix: num_classes must be >= 2, got " + std::to_string(num_classes));
  counts_.assign(static_cast<size_t>(num_classes * num_classes), 0);
}

void ConfusionMatrix::add(const Tensor& predictions, const Tensor& labels) {
  check_labels("ConfusionMatrix::add", predictions, "predictions");
  check_labels("ConfusionMatrix::add", labels, "labels");
  if (predictions.size(0) != labels.size(0)) {
    throw ShapeError("ConfusionMatrix::add: " + std::to_string(predictions.size(0)) + " predictions for " +
                     std::to_string(labels.size(0)) + " labels");
  }
  const int64_t* p = predictions.data<int64_t>();
  const int64_t* y = labels.data<int64_t>();
  int64_t n = labels.size(0);
  // Check everything first, so a bad batch leaves the counts as they were.
  for (int64_t i = 0; i < n; ++i) {
    if (p[i] < 0 || p[i] >= num_classes_ || y[i] < 0 || y[i] >= num_classes_) {
      throw IndexError("ConfusionMatrix::add: row " + std::to_string(i) + " has prediction " + std::to_string(p[i]) +
                       " and label " + std::to_string(y[i]) + "; both must be in [0, " + std::to_string(num_classes_) + ")");
    }
  }
  for (int64_t i = 0; i < n; ++i) ++counts_[y[i] * num_classes_ + p[i]];
}

void ConfusionMatrix::add(const Tensor& outputs, const Tensor& labels, OutputKind kind) {
  add(predict(outputs, kind), labels);
}

void ConfusionMatrix::reset() { std::fill(counts_.begin(), counts_.end(), 0); }

int64_t ConfusionMatrix::count(int64_t true_class, int64_t predicted_class) const {
  if (true_class < 0 || true_class >= num_classes_ || predicted_class < 0 || predicted_class >= num_classes_) {
    throw IndexError("ConfusionMatrix::count: classes (" + std::to_string(true_class) + ", " +
                     std::to_string(predicted_class) + ") out of range for " + std::to_string(num_classes_) + " classes");
  }
  return counts_[true_class * num_classes_ + predicted_class];
}

int64_t ConfusionMatrix::total() const {
  int64_t t = 0;
  for (int64_t c : counts_) t += c;
  return t;
}

double ConfusionMatrix::accuracy() const {
  int64_t trace = 0;
  for (int64_t c = 0; c < num_classes_; ++c) trace += counts_[c * num_classes_ + c];
  return ratio(trace, total());
}

double ConfusionMatrix::precision(int64_t c) const {
  int64_t column = 0;
  for (int64_t t = 0; t < num_classes_; ++t) column += count(t, c);
  return ratio(count(c, c), column);
}

double ConfusionMatrix::recall(int64_t c) const {
  int64_t row = 0;
  for (int64_t p = 0; p < num_classes_; ++p) row += count(c, p);
  return ratio(count(c, c), row);
}

double ConfusionMatrix::f1(int64_t c) const {
  double p = precision(c), r = recall(c);
  return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

double ConfusionMatrix::macro_precision() const {
  double s = 0;
  for (int64_t c = 0; c < num_classes_; ++c) s += precision(c);
  return s / static_cast<double>(num_classes_);
}

double ConfusionMatrix::macro_recall() const {
  double s = 0;
  for (int64_t c = 0; c < num_classes_; ++c) s += recall(c);
  return s / static_cast<double>(num_classes_);
}

double ConfusionMatrix::macro_f1() const {
  double s = 0;
  for (int64_t c = 0; c < num_classes_; ++c) s += f1(c);
  return s / static_cast<double>(num_classes_);
}

BinaryCounts ConfusionMatrix::binary_counts() const {
  if (num_classes_ != 2) {
    throw ValueError("ConfusionMatrix::binary_counts: needs 2 classes, this matrix has " + std::to_string(num_classes_));
  }
  return {count(1, 1), count(0, 0), count(0, 1), count(1, 0)};
}

std::string ConfusionMatrix::to_string(const std::vector<std::string>& class_names) const {
  if (!class_names.empty() && static_cast<int64_t>(class_names.size()) != num_classes_) {
    throw ValueError("ConfusionMatrix::to_string: " + std::to_string(class_names.size()) + " class names for " +
                     std::to_string(num_classes_) + " classes");
  }
  auto name = [&](int64_t c) { return class_names.empty() ? std::to_string(c) : class_names[c]; };
  size_t name_width = 4;  // "true"
  for (int64_t c = 0; c < num_classes_; ++c) name_width = std::max(name_width, name(c).size());
  int64_t largest = 0;
  for (int64_t v : counts_) largest = std::max(largest, v);
  size_t width = std::max<size_t>(std::to_string(largest).size(), 4);
  auto pad = [](const std::string& s, size_t w) { return std::string(w > s.size() ? w - s.size() : 0, ' ') + s; };
  char buffer[256];
  std::string out = "confusion matrix (rows: true class, columns: predicted class)\n";
  out += std::string(name_width, ' ');
  for (int64_t c = 0; c < num_classes_; ++c) {
    out += ' ';
    out += pad(std::to_string(c), width);
  }
  out += "  precision  recall      f1\n";
  for (int64_t t = 0; t < num_classes_; ++t) {
    std::string n = name(t);
    out += n + std::string(name_width - n.size(), ' ');
    for (int64_t p = 0; p < num_classes_; ++p) {
      out += ' ';
      out += pad(std::to_string(count(t, p)), width);
    }
    std::snprintf(buffer, sizeof buffer, "  %9.4f %7.4f %7.4f\n", precision(t), recall(t), f1(t));
    out += buffer;
  }
  std::snprintf(buffer, sizeof buffer, "accuracy %.4f (%lld examples), macro precision %.4f, recall %.4f, f1 %.4f\n",
                accuracy(), static_cast<long long>(total()), macro_precision(), macro_recall(), macro_f1());
  out += buffer;
  return out;
}

void RunningMean::add(double value, int64_t count) {
  if (count < 0) throw ValueError("RunningMean::add: count must be >= 0, got " + std::to_string(count));
  sum_ += value * static_cast<double>(count);
  count_ += count;
}

}  // namespace minidl::data

// TensorDataset: checks once at construction (rows, label range, finite values), so a training
// loop never meets a NaN from the data; get_batch is an index_select per tensor.
#include "minidl/data/dataset.h"

#include <cmath>
#include <string>

#include "minidl/error.h"
#include "minidl/ops/index.h"

namespace minidl::data {

namespace {

template <class T>
void check_finite_typed(const Tensor& x, const std::string& what) {
  const T* p = x.data<T>();
  int64_t n = x.numel();
  int64_t row = x.dim() && x.size(0) ? n / x.size(0) : 1;
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(p[i])) {
      throw DataError(what + " contains " + (std::isnan(p[i]) ? "NaN" : "infinity") + " at row " +
                      std::to_string(i / row) + ", column " + std::to_string(i % row) + " (shape " +
                      to_string(x.shape()) + ")");
    }
  }
}

}  // namespace

void check_finite(const Tensor& x, const std::string& what) {
  if (x.dtype() == kFloat32) check_finite_typed<float>(x, what);
  if (x.dtype() == kFloat64) check_finite_typed<double>(x, what);
}

TensorDataset::TensorDataset(Tensor inputs, Tensor labels, Tensor targets, int64_t num_classes)
    : num_classes_(num_classes) {
  const std::string op = "TensorDataset";
  if (!inputs.defined()) throw DataError(op + ": inputs are undefined");
  if (inputs.dim() < 1 || !is_floating(inputs.dtype())) {
    throw DataError(op + ": inputs must be a float tensor of shape (N, features...), got " +
                    to_string(inputs.dtype()) + " " + to_string(inputs.shape()));
  }
  if (!labels.defined() && !targets.defined()) throw DataError(op + ": needs labels or targets, got neither");
  int64_t n = inputs.size(0);
  if (labels.defined()) {
    if (labels.dtype() != kInt64 || labels.dim() != 1) {
      throw DataError(op + ": labels must be int64 of shape (N), got " + to_string(labels.dtype()) + " " +
                      to_string(labels.shape()));
    }
    if (labels.size(0) != n) {
      throw DataError(op + ": " + std::to_string(labels.size(0)) + " labels for " + std::to_string(n) +
                      " inputs (labels " + to_string(labels.shape()) + ", inputs " + to_string(inputs.shape()) + ")");
    }
    if (num_classes < 0) throw DataError(op + ": num_classes must be >= 0, got " + std::to_string(num_classes));
    const int64_t* p = labels.data<int64_t>();
    int64_t max_label = -1;
    for (int64_t i = 0; i < n; ++i) {
      if (p[i] < 0 || (num_classes > 0 && p[i] >= num_classes)) {
        throw DataError(op + ": label " + std::to_string(p[i]) + " at row " + std::to_string(i) +
                        " is outside [0, " + (num_classes > 0 ? std::to_string(num_classes) : "inf") + ")");
      }
      max_label = std::max(max_label, p[i]);
    }
    if (num_classes == 0) num_classes_ = max_label + 1;
  } else if (num_classes != 0) {
    throw DataError(op + ": num_classes is " + std::to_string(num_classes) + " but there are no labels");
  }
  if (targets.defined()) {
    if (targets.dim() < 1 || !is_floating(targets.dtype())) {
      throw DataError(op + ": targets must be a float tensor of shape (N, T), got " + to_string(targets.dtype()) +
                      " " + to_string(targets.shape()));
    }
    if (targets.size(0) != n) {
      throw DataError(op + ": " + std::to_string(targets.size(0)) + " target rows for " + std::to_string(n) +
                      " inputs (targets " + to_string(targets.shape()) + ", inputs " + to_string(inputs.shape()) + ")");
    }
    check_finite(targets, op + ": targets");
  }
  check_finite(inputs, op + ": inputs");
  inputs_ = std::move(inputs);
  labels_ = std::move(labels);
  targets_ = std::move(targets);
}

Batch TensorDataset::get_batch(const Tensor& indices) const {
  if (!inputs_.defined()) throw DataError("TensorDataset: get_batch on an empty data set");
  Batch batch;
  batch.inputs = index_select(inputs_, indices);
  if (labels_.defined()) batch.labels = index_select(labels_, indices);
  if (targets_.defined()) batch.targets = index_select(targets_, indices);
  return batch;
}

Shape TensorDataset::input_shape() const {
  if (!inputs_.defined()) return Shape{};
  Shape s;
  for (int64_t d = 1; d < inputs_.dim(); ++d) s.push_back(inputs_.size(d));
  return s;
}

Tensor encode_targets(const Tensor& labels, Targets targets, int64_t num_classes) {
  switch (targets) {
    case Targets::labels:
      return Tensor();
    case Targets::one_hot:
      return one_hot(labels, num_classes, kFloat32);
    case Targets::label_float:
      if (num_classes != 2) {
        throw ValueError("encode_targets: label_float (1 output) needs 2 classes, got " + std::to_string(num_classes) +
                         " (use one_hot)");
      }
      {
        one_hot(labels, 2, kFloat32);  // only for its checks: int64 (N), labels in [0, 2)
        Tensor y = Tensor::empty({labels.size(0), 1}, kFloat32);
        const int64_t* p = labels.data<int64_t>();
        float* q = y.data<float>();
        for (int64_t i = 0, n = labels.size(0); i < n; ++i) q[i] = static_cast<float>(p[i]);
        return y;
      }
  }
  return Tensor();
}

std::string to_string(Targets targets) {
  switch (targets) {
    case Targets::labels: return "labels";
    case Targets::one_hot: return "one_hot";
    case Targets::label_float: return "label_float";
  }
  return "?";
}

Targets parse_targets(const std::string& name) {
  if (name == "labels") return Targets::labels;
  if (name == "one_hot") return Targets::one_hot;
  if (name == "label_float") return Targets::label_float;
  throw ValueError("targets: expected 'labels', 'one_hot' or 'label_float', got '" + name + "'");
}

}  // namespace minidl::data

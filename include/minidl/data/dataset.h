// Dataset: a sized collection of examples that returns a Batch for a list of indices, and
// TensorDataset, the in-memory one (disk, CSV), which gathers rows with index_select.
#pragma once

#include <cstdint>
#include <string>

#include "minidl/tensor.h"

namespace minidl::data {

// One mini-batch. inputs: float (N, features...). labels: int64 class indices (N), undefined for
// regression. targets: float (N, T) (one-hot, a 0/1 label as a float, or regression values),
// undefined when the data set only has labels.
struct Batch {
  Tensor inputs;
  Tensor labels;
  Tensor targets;
  int64_t size() const { return inputs.defined() ? inputs.size(0) : 0; }
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  // indices: int64 (B), each in [0, size()) -> a Batch of B examples in that order.
  virtual Batch get_batch(const Tensor& indices) const = 0;
  // The shape of one example's inputs: (2) for disk, (1, 28, 28) or (784) for Fashion-MNIST.
  virtual Shape input_shape() const = 0;
  // Number of classes of the labels; 0 for regression.
  virtual int64_t num_classes() const = 0;
};

// Examples held as whole tensors; a batch is a copy of the selected rows.
//   inputs: float32/float64 (N, features...), labels: int64 (N) or undefined,
//   targets: float (N, T) or undefined. At least one of labels and targets is defined.
// The constructor checks that every tensor has N rows, that labels lie in [0, num_classes) and
// that inputs and targets hold no NaN or infinity (a DataError naming the row and column).
// num_classes = 0 with labels means max(label) + 1.
class TensorDataset : public Dataset {
 public:
  TensorDataset() = default;  // empty: size() == 0
  TensorDataset(Tensor inputs, Tensor labels, Tensor targets = Tensor(), int64_t num_classes = 0);

  int64_t size() const override { return inputs_.defined() ? inputs_.size(0) : 0; }
  Batch get_batch(const Tensor& indices) const override;
  Shape input_shape() const override;
  int64_t num_classes() const override { return num_classes_; }

  const Tensor& inputs() const { return inputs_; }
  const Tensor& labels() const { return labels_; }
  const Tensor& targets() const { return targets_; }
  // The whole data set as one batch (evaluation on a small set).
  Batch all() const { return {inputs_, labels_, targets_}; }

 private:
  Tensor inputs_, labels_, targets_;
  int64_t num_classes_ = 0;
};

// How class labels are also given as float targets, for losses that compare outputs with
// targets (MSE, BCE): labels only (cross-entropy), one-hot (N, num_classes), or the label
// itself as a float (N, 1) for a network with 1 output.
enum class Targets { labels, one_hot, label_float };
// labels: int64 (N) -> float32 (N, num_classes) for one_hot, (N, 1) for label_float, undefined
// for labels. label_float needs num_classes == 2.
Tensor encode_targets(const Tensor& labels, Targets targets, int64_t num_classes);
// "labels", "one_hot", "label_float" (the config spelling); parse_targets throws ValueError.
std::string to_string(Targets targets);
Targets parse_targets(const std::string& name);

// Throws DataError if x (float) holds a NaN or an infinity: "<what> contains NaN at row 3,
// column 1 (shape (10, 2))". Rows are dim 0; the column is the flat index within the row.
void check_finite(const Tensor& x, const std::string& what);

}  // namespace minidl::data

// Experiment: what a config describes, built for one run: the data splits, the model, the loss,
// the optimizer and the learning-rate schedule. Every builder reads only the config and the
// run's seed, so run i of a config is the same on every invocation.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "minidl/minidl.h"
#include "config.h"
#include "minidl/nn.h"
#include "minidl/optim.h"

namespace minidl::cli {

struct Data {
  std::shared_ptr<const data::Dataset> train, val, test;  // val may be null
  std::optional<data::Standardizer> standardizer;         // disk/csv with data.standardize
  Shape input_shape;                                      // of one example
  int64_t num_classes = 0;                                // 0 for regression
  std::vector<std::string> class_names;                   // Fashion-MNIST's, else "0", "1", ...
  bool is_disk = false;
  bool is_images = false;
  // Disk only: raw (unstandardised) points and labels, for the plots.
  Tensor train_points, train_labels, test_points, test_labels;
  // CSV classification: the label column of each file with the file line of each example, so
  // that labels are checked before training with file and line (check_labels).
  struct LabelFile {
    std::string path, column;
    Tensor labels;
    std::vector<int64_t> lines;
  };
  std::vector<LabelFile> label_files;  // train, then test
};

// Data of one run; `seed` draws the disk points (other sources ignore it).
Data load_data(const Config& config, uint64_t seed);

// The network of model.layers (or the default 2-25-25-25-C ReLU), in_features inferred from the
// data. Weights are drawn from Generator(seed).
std::shared_ptr<nn::Sequential> build_model(const Config& config, const Data& data, uint64_t seed);

// The loss of a batch and how to read predictions from the outputs.
struct Objective {
  std::function<Tensor(const Tensor& outputs, const data::Batch& batch)> loss;
  data::OutputKind output_kind = data::OutputKind::logits;  // for 1-output models
  bool classification = true;
  std::string repr;  // "CrossEntropyLoss(reduction=mean)"
  // loss.reduction = "sum": the number of terms the batch's summed loss holds (every output
  // element, or every row of a cross-entropy); the metrics divide by it, so the printed and saved
  // losses are per-term means under either reduction. Empty: the loss is already a mean.
  std::function<int64_t(const Tensor& outputs)> summed_terms;
  double metric(double loss, const Tensor& outputs) const {
    return summed_terms ? loss / static_cast<double>(std::max<int64_t>(summed_terms(outputs), 1)) : loss;
  }
};
Objective build_objective(const Config& config, const Data& data);

std::unique_ptr<optim::Optimizer> build_optimizer(const Config& config, const std::vector<Tensor>& params);
// Full-batch optimizers (lbfgs, bfgs) step with a closure over the whole training set.
bool is_full_batch(const Config& config);

// The learning-rate schedule: an LRScheduler stepped per epoch or per optimizer step, or
// ReduceLROnPlateau stepped per epoch with the validation (else training) loss.
class Schedule {
 public:
  Schedule() = default;
  Schedule(const Config& config, optim::Optimizer& optimizer, int64_t steps_per_epoch);
  void after_step();
  void after_epoch(double monitored_loss);
  StateDict state_dict() const;
  void load_state_dict(const StateDict& state);
  bool active() const { return lr_ || plateau_; }

 private:
  std::unique_ptr<optim::LRScheduler> lr_;
  std::unique_ptr<optim::ReduceLROnPlateau> plateau_;
  bool per_step_ = false;
};

}  // namespace minidl::cli

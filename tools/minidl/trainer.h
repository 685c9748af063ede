// Run: one training run of a config (run i, seed S+i): its data, model, objective, optimizer,
// schedule and data order, trained epoch by epoch. The CLI drives it, times only train_epoch(),
// and saves/restores it between epochs for --resume.
#pragma once

#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "experiment.h"
#include "minidl/dist/data_parallel.h"

namespace minidl::cli {

struct Evaluation {
  double loss = NAN;
  double accuracy = NAN;
  data::ConfusionMatrix confusion{2};  // replaced by evaluate()
};

// Loss, accuracy and confusion matrix of `model` on `dataset`, in eval mode without recording
// (chunks of 1024 examples). The model's training flag is restored.
Evaluation evaluate(nn::Module& model, const Objective& objective, const data::Dataset& dataset, int64_t num_classes);

struct EpochStats {
  double loss = 0;       // mean training loss over the epoch's batches (as seen while training)
  double accuracy = NAN; // accuracy of the predictions made while training
  double lr = 0;         // learning rate of the epoch's last step
  int64_t examples = 0;
};

// The divergence rule: the first non-finite loss or gradient stops the run. train_epoch() throws
// it before the optimizer step that would spread the NaN into the weights.
struct Diverged : Error {
  Diverged(std::string quantity, double value, int64_t step, double lr)
      : Error(quantity + " is " + std::to_string(value)), quantity(std::move(quantity)), value(value), step(step), lr(lr) {}
  std::string quantity;  // "the loss" or "the gradient of layers.0.weight"
  double value;          // the loss, or the first non-finite gradient element
  int64_t step;          // the step in the epoch, from 1
  double lr;             // the learning rate of that step
};

// Data-parallel (under mpirun, with data_parallel set) every rank builds the same run,
// takes its rank-strided share of each global batch (DataLoaderOptions::num_replicas), and
// averages its gradients through dist::DataParallel, which also checks at construction that every
// rank has the same config and model. The epoch's statistics are those of the global batches, the
// same on every rank.
class Run {
 public:
  // `data_parallel`: train this run together with every other rank (world size > 1); false: this
  // process alone trains it (`minidl grid` under mpirun gives each rank its own settings).
  Run(const Config& config, int64_t index, uint64_t seed, bool data_parallel = false);

  // Trains the current epoch: shuffle, then forward, loss, backward and step per batch;
  // `on_batch(loss)` follows each step. When `should_stop()` turns true after a step the epoch
  // pauses there (returns false) and the next call, or a Run restored from state(), continues
  // it from the next batch with the same data order. Returns true with `stats` when it ended.
  // Throws Diverged at the first non-finite loss or gradient.
  bool train_epoch(const std::function<void(double)>& on_batch, const std::function<bool()>& should_stop,
                   EpochStats& stats);
  // Schedulers stepped per epoch see the validation loss (else this epoch's training loss).
  void end_epoch(double monitored_loss) { schedule_.after_epoch(monitored_loss); }

  int64_t index() const { return index_; }
  uint64_t seed() const { return seed_; }
  int64_t epochs_done() const { return epochs_done_; }
  // Batches of the current epoch already trained (non-zero in an epoch paused or resumed mid-way).
  int64_t batches_done_in_epoch() const { return epoch_.active ? epoch_.next_batch : 0; }
  int64_t batches_per_epoch() const;
  nn::Sequential& model() { return *model_; }
  const Data& data() const { return data_; }
  const Objective& objective() const { return objective_; }
  optim::Optimizer& optimizer() { return *optimizer_; }

  // Everything that changes while training, for checkpoints: model, optimizer, schedule, data
  // order and the position in the epoch ("model", "optimizer", "scheduler", "loader", "epoch").
  std::map<std::string, StateDict> state() const;
  void load_state(const std::map<std::string, StateDict>& parts);

 private:
  // Throws Diverged when the loss or a parameter's gradient is not finite.
  void check_finite(double loss_value, int64_t step) const;
  // One optimizer step of a data-parallel run (trainer.cpp says what it sums).
  double data_parallel_step(const data::Batch& batch, int64_t step, int64_t& n, Tensor& global_sums);

  const Config& config_;
  int64_t index_;
  uint64_t seed_;
  Data data_;
  std::shared_ptr<nn::Sequential> model_;
  Objective objective_;
  std::unique_ptr<optim::Optimizer> optimizer_;
  std::unique_ptr<data::DataLoader> loader_;
  std::unique_ptr<dist::DataParallel> ddp_;  // world size > 1 only
  Schedule schedule_;
  bool full_batch_;
  // The divergence check's names, built once: the parameters are the same tensors for the whole
  // run (the optimizer holds them too), and naming them per step cost ~4% of a batch-1 step.
  std::vector<std::pair<std::string, Tensor>> named_parameters_;
  int64_t epochs_done_ = 0;
  // The epoch in progress: the data order's state before its shuffle, the next batch and the
  // running sums, so that a paused epoch resumes exactly.
  struct EpochInProgress {
    bool active = false;
    StateDict loader_before_shuffle;
    int64_t next_batch = 0;
    double loss_sum = 0, lr = 0;
    int64_t correct = 0, examples = 0;
  } epoch_;
};

}  // namespace minidl::cli

// The training loop of one run and the evaluation of a model on a data set.
#include "trainer.h"

#include <cmath>
#include <optional>

#include "minidl/dist/collectives.h"
#include "minidl/dist/process_group.h"
#include "minidl/generator_state.h"

namespace minidl::cli {

namespace {

// The Dropout layers of a model by path: their mask generators are training state too.
std::vector<std::pair<std::string, const nn::Dropout*>> dropouts(const nn::Module& model) {
  std::vector<std::pair<std::string, const nn::Dropout*>> out;
  for (const auto& [path, module] : model.named_modules()) {
    if (auto* d = dynamic_cast<const nn::Dropout*>(module)) out.emplace_back(path, d);
  }
  return out;
}

}  // namespace

void Run::check_finite(double loss_value, int64_t step) const {
  double lr = optimizer_->lr(0);
  if (!std::isfinite(loss_value)) throw Diverged("the loss", loss_value, step, lr);
  for (const auto& [name, p] : named_parameters_) {
    const Tensor& grad = p.grad();
    if (!grad.defined()) continue;
    if (auto bad = first_non_finite(grad)) throw Diverged("the gradient of " + name, *bad, step, lr);
  }
}

Evaluation evaluate(nn::Module& model, const Objective& objective, const data::Dataset& dataset, int64_t num_classes) {
  Evaluation e;
  e.confusion = data::ConfusionMatrix(std::max<int64_t>(num_classes, 2));
  bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  data::RunningMean loss;
  // Chunks of 256 images keep an image network's evaluation buffers (each layer's output for the
  // whole chunk) near a training step's size; the disk task's 1,000 points take 4 chunks.
  constexpr int64_t kChunk = 256;
  for (int64_t begin = 0; begin < dataset.size(); begin += kChunk) {
    int64_t n = std::min(kChunk, dataset.size() - begin);
    data::Batch batch = dataset.get_batch(arange(static_cast<double>(begin), static_cast<double>(begin + n), 1.0, kInt64));
    Tensor outputs = model(batch.inputs);
    loss.add(objective.metric(objective.loss(outputs, batch).item(), outputs), n);
    if (objective.classification) e.confusion.add(outputs, batch.labels, objective.output_kind);
  }
  model.train(was_training);
  trim_cache();  // the chunks' large buffers are not reused by training: return them
  e.loss = loss.mean();
  if (objective.classification) e.accuracy = e.confusion.accuracy();
  return e;
}

Run::Run(const Config& config, int64_t index, uint64_t seed, bool data_parallel)
    : config_(config),
      index_(index),
      seed_(seed),
      data_(load_data(config, seed)),
      model_(build_model(config, data_, seed)),
      objective_(build_objective(config, data_)),
      optimizer_(build_optimizer(config, model_->parameters())),
      full_batch_(is_full_batch(config)),
      named_parameters_(model_->named_parameters()) {
  data::DataLoaderOptions options;
  options.batch_size = full_batch_ ? data_.train->size() : config.get_int("train.batch_size");
  options.shuffle = config.get_bool("train.shuffle") && !full_batch_;
  options.drop_last = config.get_bool("train.drop_last");
  options.seed = data::disk_split_seed(seed, 8);  // the data order has its own stream
  if (data_parallel && dist::world_size() > 1) {
    if (objective_.summed_terms) {
      // DataParallel averages the ranks' gradients by their rows: right for a mean, not for a sum.
      throw ConfigError("loss.reduction = \"sum\" is not supported by data-parallel training (mpirun) yet: use "
                        "\"mean\" (with SGD, the learning rate times the batch size is the same step), or run one process");
    }
    if (full_batch_) {
      throw ConfigError("optimizer." + config.get_string("optimizer.name") +
                        " trains on the whole training set per step; data-parallel training (mpirun) needs "
                        "mini-batches: use another optimizer, or run one process");
    }
    options.num_replicas = dist::world_size();
    options.rank = dist::rank();
    // Every rank must build this same run: the check names the first rank and line that differ.
    ddp_ = std::make_unique<dist::DataParallel>(*model_, config.to_toml() + "\n# run " + std::to_string(index) +
                                                             ", seed " + std::to_string(seed) + "\n");
  }
  loader_ = std::make_unique<data::DataLoader>(data_.train, options);
  schedule_ = Schedule(config, *optimizer_, loader_->num_batches());
}

int64_t Run::batches_per_epoch() const { return loader_->num_batches(); }

// This rank's share (possibly no row of a last batch smaller than the world), then the global
// batch's mean gradient, loss and correct count, the same on every rank: the divergence rule and
// the statistics then agree everywhere, and no rank stops alone. `n` becomes the global batch's
// rows; `global_sums` its loss * rows and correct predictions. Returns the global mean loss.
double Run::data_parallel_step(const data::Batch& batch, int64_t step, int64_t& n, Tensor& global_sums) {
  optimizer_->zero_grad(/*set_to_none=*/true);
  Tensor sums = zeros({2}, kFloat64);
  if (n > 0) {
    Tensor outputs = (*model_)(batch.inputs);
    Tensor loss = objective_.loss(outputs, batch);
    sums.set({0}, loss.item() * static_cast<double>(n));
    if (objective_.classification) {
      sums.set({1}, static_cast<double>(data::count_correct(outputs.detach(), batch.labels, objective_.output_kind)));
    }
    loss.backward();
  }
  int64_t total = ddp_->average_gradients(n);
  dist::all_reduce(sums);
  global_sums = sums;
  n = total;
  double loss_value = sums.at({0}) / static_cast<double>(total);
  check_finite(loss_value, step);
  optimizer_->step();
  return loss_value;
}

bool Run::train_epoch(const std::function<void(double)>& on_batch, const std::function<bool()>& should_stop,
                      EpochStats& stats) {
  if (!epoch_.active) {
    epoch_ = EpochInProgress{};
    epoch_.active = true;
    epoch_.loader_before_shuffle = loader_->state_dict();
    loader_->start_epoch();
  }
  model_->train();
  for (int64_t i = epoch_.next_batch, n_batches = loader_->num_batches(); i < n_batches; ++i) {
    data::Batch batch = loader_->batch(i);
    int64_t n = batch.size();
    double loss_value;
    Tensor outputs;
    Tensor global_sums;  // data-parallel: the global batch's loss * rows and correct predictions
    if (full_batch_) {
      auto closure = [&] {
        optimizer_->zero_grad(/*set_to_none=*/true);  // backward then hands its fresh gradients over
        outputs = (*model_)(batch.inputs);
        Tensor loss = objective_.loss(outputs, batch);
        if (!std::isfinite(loss.item())) check_finite(loss.item(), i + 1);
        loss.backward();
        check_finite(loss.item(), i + 1);
        return loss;
      };
      loss_value = objective_.metric(optimizer_->step(closure).item(), outputs);
    } else if (ddp_) {
      loss_value = data_parallel_step(batch, i + 1, n, global_sums);
    } else {
      optimizer_->zero_grad(/*set_to_none=*/true);  // backward then hands its fresh gradients over
      outputs = (*model_)(batch.inputs);
      Tensor loss = objective_.loss(outputs, batch);
      loss_value = loss.item();
      if (!std::isfinite(loss_value)) check_finite(loss_value, i + 1);  // before backward spends time on it
      loss.backward();
      check_finite(loss_value, i + 1);
      optimizer_->step();
      loss_value = objective_.metric(loss_value, outputs);
    }
    epoch_.lr = optimizer_->lr(0);
    schedule_.after_step();
    if (global_sums.defined()) {
      epoch_.correct += static_cast<int64_t>(global_sums.at({1}));
      epoch_.loss_sum += global_sums.at({0});
    } else {
      if (objective_.classification) epoch_.correct += data::count_correct(outputs.detach(), batch.labels, objective_.output_kind);
      epoch_.loss_sum += loss_value * static_cast<double>(n);
    }
    epoch_.examples += n;
    epoch_.next_batch = i + 1;
    if (on_batch) on_batch(loss_value);
    if (i + 1 < n_batches && should_stop && should_stop()) {
      if (ddp_) ddp_->broadcast_buffers();  // the checkpoint of the pause holds rank 0's
      return false;
    }
  }
  if (ddp_) ddp_->broadcast_buffers();  // rank 0's running statistics, before evaluation and checkpoints
  stats.examples = epoch_.examples;
  stats.lr = epoch_.lr;
  stats.loss = epoch_.loss_sum / static_cast<double>(std::max<int64_t>(epoch_.examples, 1));
  stats.accuracy = objective_.classification
                       ? static_cast<double>(epoch_.correct) / static_cast<double>(std::max<int64_t>(epoch_.examples, 1))
                       : NAN;
  epoch_.active = false;
  ++epochs_done_;
  return true;
}

std::map<std::string, StateDict> Run::state() const {
  StateDict epoch;
  epoch.insert("epochs_done", scalar_tensor(static_cast<double>(epochs_done_), kInt64));
  epoch.insert("active", scalar_tensor(epoch_.active ? 1 : 0, kInt64));
  epoch.insert("next_batch", scalar_tensor(static_cast<double>(epoch_.next_batch), kInt64));
  epoch.insert("loss_sum", scalar_tensor(epoch_.loss_sum, kFloat64));
  epoch.insert("lr", scalar_tensor(epoch_.lr, kFloat64));
  epoch.insert("correct", scalar_tensor(static_cast<double>(epoch_.correct), kInt64));
  epoch.insert("examples", scalar_tensor(static_cast<double>(epoch_.examples), kInt64));
  // The order to replay: before the paused epoch's shuffle, or the current one between epochs.
  StateDict loader = epoch_.active ? epoch_.loader_before_shuffle : loader_->state_dict();
  StateDict rng;
  for (const auto& [path, dropout] : dropouts(*model_)) rng.insert(path, generator_state(dropout->generator()));
  return {{"model", model_->state_dict()},
          {"optimizer", optimizer_->state_dict()},
          {"scheduler", schedule_.state_dict()},
          {"loader", loader},
          {"epoch", epoch},
          {"rng", rng}};
}

void Run::load_state(const std::map<std::string, StateDict>& parts) {
  const StateDict& epoch = parts.at("epoch");
  model_->load_state_dict(parts.at("model"));
  optimizer_->load_state_dict(parts.at("optimizer"));
  schedule_.load_state_dict(parts.at("scheduler"));
  loader_->load_state_dict(parts.at("loader"));
  for (const auto& [path, dropout] : dropouts(*model_)) {
    load_generator_state(dropout->generator(), parts.at("rng").at(path), "checkpoint: dropout '" + path + "'");
  }
  epochs_done_ = static_cast<int64_t>(epoch.at("epochs_done").item());
  epoch_ = EpochInProgress{};
  if (epoch.at("active").item() != 0) {  // replay the paused epoch's shuffle, then skip what was done
    epoch_.active = true;
    epoch_.loader_before_shuffle = parts.at("loader");
    loader_->start_epoch();
    epoch_.next_batch = static_cast<int64_t>(epoch.at("next_batch").item());
    epoch_.loss_sum = epoch.at("loss_sum").item();
    epoch_.lr = epoch.at("lr").item();
    epoch_.correct = static_cast<int64_t>(epoch.at("correct").item());
    epoch_.examples = static_cast<int64_t>(epoch.at("examples").item());
  }
}

}  // namespace minidl::cli

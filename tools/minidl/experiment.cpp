// Builders from a validated Config to the objects of one run: each picks its registry row
// (registry/registry.h) and calls its builder.
#include "experiment.h"

#include <cmath>
#include <sstream>

#include "minidl/error.h"
#include "registry/registry.h"

namespace minidl::cli {

namespace {
// The row `name` of `rows`, chosen by the config key `key` (validated: it exists).
template <class R>
const R& chosen(const std::vector<R>& rows, const Config& config, const std::string& key) {
  return find_row(rows, config.get_string(key));
}
}  // namespace

Data load_data(const Config& config, uint64_t seed) {
  const SourceRow& row = chosen(source_rows(), config, "data.source");
  Data d = row.build(section_options(config, "data", row), config, seed);
  d.input_shape = d.train->input_shape();
  if (d.class_names.empty()) {
    for (int64_t c = 0; c < d.num_classes; ++c) d.class_names.push_back(std::to_string(c));
  }
  return d;
}

// ---- model ---------------------------------------------------------------------------------------

namespace {

struct ModelBuilder {
  const Config& config;
  Generator gen;
  uint64_t seed;
  int64_t num_classes = 0;
  bool sequence = false;  // the examples are (T, features) steps here
  int dropout_count = 0;

  // Appends the layers of `layers` to `seq`, updating `shape` (one example's shape).
  void add_layers(nn::Sequential& seq, const std::vector<LayerSpec>& layers, Shape& shape, const std::string& at) {
    for (size_t i = 0; i < layers.size(); ++i) {
      const LayerSpec& spec = layers[i];
      const LayerRow& row = find_row(layer_rows(), spec.type);
      LayerContext cx{config, gen, seed, num_classes, seq, shape, sequence, dropout_count, spec,
                      at + "[" + std::to_string(i) + "]",
                      [this, &shape](nn::Sequential& inner, const std::vector<LayerSpec>& children, const std::string& where) {
                        add_layers(inner, children, shape, where);
                      }};
      row.build(layer_options(row, spec), cx);
    }
  }
};

LayerSpec layer(std::string type, std::map<std::string, Value> options = {}) {
  return LayerSpec{std::move(type), std::move(options), {}, ""};
}

}  // namespace

std::shared_ptr<nn::Sequential> build_model(const Config& config, const Data& data, uint64_t seed) {
  ModelBuilder builder{config, Generator(seed), seed, data.num_classes};
  auto model = std::make_shared<nn::Sequential>();
  Shape shape = data.input_shape;
  if (const std::vector<LayerSpec>* configured = config.layers()) {
    builder.add_layers(*model, *configured, shape, "model.layers");
    return model;
  }
  // The reports' network: 2-25-25-25-C with ReLU.
  std::vector<LayerSpec> layers;
  if (shape.dim() != 1) layers.push_back(layer("flatten"));
  for (int i = 0; i < 3; ++i) {
    layers.push_back(layer("linear", {{"out_features", int64_t{25}}}));
    layers.push_back(layer("relu"));
  }
  // Classification: one output per class (or one 0/1 output); regression: one per target column.
  int64_t outputs = config.get_string("data.targets") == "label" ? 1
                    : data.num_classes > 0                      ? data.num_classes
                    : data.train->size() > 0 ? data.train->get_batch(arange(0.0, 1.0, 1.0, kInt64)).targets.numel()
                                             : 1;
  layers.push_back(layer("linear", {{"out_features", outputs}}));
  builder.add_layers(*model, layers, shape, "model.layers");
  return model;
}

// ---- loss, optimizer and schedule ------------------------------------------------------------------

Objective build_objective(const Config& config, const Data& data) {
  const LossRow& row = chosen(loss_rows(), config, "loss.name");
  return row.build(section_options(config, "loss", row), config, data);
}

bool is_full_batch(const Config& config) {
  return chosen(optimizer_rows(), config, "optimizer.name").build.full_batch;
}

std::unique_ptr<optim::Optimizer> build_optimizer(const Config& config, const std::vector<Tensor>& params) {
  const OptimizerRow& row = chosen(optimizer_rows(), config, "optimizer.name");
  return row.build.make(section_options(config, "optimizer", row), params);
}

Schedule::Schedule(const Config& config, optim::Optimizer& optimizer, int64_t steps_per_epoch) {
  const SchedulerRow& row = chosen(scheduler_rows(), config, "scheduler.name");
  std::string interval = config.get_string("scheduler.interval");
  per_step_ = interval.empty() ? row.build.per_step : interval == "step";
  int64_t epochs = config.get_int("train.epochs");
  SchedulerParts parts = row.build.make(section_options(config, "scheduler", row), config, optimizer,
                                        per_step_ ? epochs * steps_per_epoch : epochs);
  lr_ = std::move(parts.lr);
  plateau_ = std::move(parts.plateau);
}

void Schedule::after_step() {
  if (lr_ && per_step_) lr_->step();
}

void Schedule::after_epoch(double monitored_loss) {
  if (lr_ && !per_step_) lr_->step();
  if (plateau_) plateau_->step(monitored_loss);
}

StateDict Schedule::state_dict() const {
  if (lr_) return lr_->state_dict();
  if (plateau_) return plateau_->state_dict();
  return {};
}

void Schedule::load_state_dict(const StateDict& state) {
  if (lr_) lr_->load_state_dict(state);
  if (plateau_) plateau_->load_state_dict(state);
}

}  // namespace minidl::cli

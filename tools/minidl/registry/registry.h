// The command's registry: one row per layer type, loss, optimizer, scheduler and data source, each
// with its name, its typed options and its builder. Validation, defaults, scoping, --set,
// did-you-mean, `minidl info --config-tables` and docs/CONFIG.md's tables all read these rows.
// A new name is one add(...) in the file of its kind (registry/layers.cpp, losses.cpp,
// optimizers.cpp, schedulers.cpp, sources.cpp) plus its tests.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "experiment.h"
#include "registry/option.h"

namespace minidl::cli {

struct RowBase {
  std::string name;
  std::string meaning;
  std::vector<Option> options;
};
template <class Build>
struct Row : RowBase {
  Build build;
};

// Appends one row: what each kind's file (layers.cpp, losses.cpp, ...) calls once per name.
template <class Build>
void add(std::vector<Row<Build>>& rows, std::string name, std::string meaning, std::vector<Option> options,
         std::type_identity_t<Build> build) {
  Row<Build> row;
  row.name = std::move(name);
  row.meaning = std::move(meaning);
  row.options = std::move(options);
  row.build = std::move(build);
  rows.push_back(std::move(row));
}

// ---- layers: append modules to a Sequential, tracking one example's shape ----
struct LayerContext {
  const Config& config;
  Generator& gen;
  uint64_t seed;
  int64_t num_classes;
  nn::Sequential& seq;
  Shape& shape;
  bool& sequence;       // the examples are (T, features) steps here
  int& dropout_count;   // each Dropout draws from its own stream
  const LayerSpec& spec;
  std::string where;    // "model.layers[2]"
  std::function<void(nn::Sequential&, const std::vector<LayerSpec>&, const std::string&)> add_layers;
  [[noreturn]] void fail(const std::string& at, const std::string& what) const;
  nn::LinearOptions linear_options(bool bias) const;  // model.init, init_std, bias_std
};
using LayerRow = Row<std::function<void(const Options&, LayerContext&)>>;

// ---- the sections' rows ----
using LossRow = Row<std::function<Objective(const Options&, const Config&, const Data&)>>;
struct OptimizerBuild {
  bool full_batch = false;  // steps with a closure over the whole training set (lbfgs, bfgs)
  std::function<std::unique_ptr<optim::Optimizer>(const Options&, const std::vector<Tensor>&)> make;
};
using OptimizerRow = Row<OptimizerBuild>;
struct SchedulerParts {
  std::unique_ptr<optim::LRScheduler> lr;
  std::unique_ptr<optim::ReduceLROnPlateau> plateau;
};
struct SchedulerBuild {
  bool per_step = false;  // the default of scheduler.interval: "step" (true) or "epoch"
  // `steps`: the scheduler's steps in the whole training (epochs, or epochs * batches per epoch).
  std::function<SchedulerParts(const Options&, const Config&, optim::Optimizer&, int64_t steps)> make;
};
using SchedulerRow = Row<SchedulerBuild>;
using SourceRow = Row<std::function<Data(const Options&, const Config&, uint64_t seed)>>;

const std::vector<LayerRow>& layer_rows();
const std::vector<LossRow>& loss_rows();
const std::vector<OptimizerRow>& optimizer_rows();
const std::vector<SchedulerRow>& scheduler_rows();
const std::vector<SourceRow>& source_rows();

// A config section: its keys shared by every row (optimizer.lr), and the key that picks a row
// (optimizer.name) with the rows it picks from.
struct Section {
  std::string name;      // "optimizer"
  std::string selector;  // "name", "source"; empty: the section has no rows
  std::string selector_default;
  std::string selector_meaning;
  std::vector<Option> common;
  std::vector<const RowBase*> rows;
  std::string key(const std::string& option) const {  // "optimizer.lr"; dotted names as given
    return option.find('.') == std::string::npos ? name + "." + option : option;
  }
};
const std::vector<Section>& sections();

template <class R>
const R& find_row(const std::vector<R>& rows, const std::string& name) {
  for (const R& r : rows) {
    if (r.name == name) return r;
  }
  throw std::logic_error("internal: no registry row '" + name + "'");
}

// The options of the row `row_name` of `section` (and the section's common keys) as `config` sets them.
Options section_options(const Config& config, const std::string& section, const RowBase& row);
// A layer's options: given, else the row's defaults.
Options layer_options(const LayerRow& row, const LayerSpec& spec);

// docs/CONFIG.md's tables, one block per section plus the layer table, as Markdown.
std::vector<std::string> config_tables();

}  // namespace minidl::cli

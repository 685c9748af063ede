// The config's sections (their shared keys and the key that picks a row), the options a builder
// reads, and docs/CONFIG.md's tables, all from the rows.
#include "registry/registry.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "minidl/error.h"

namespace minidl::cli {

namespace {

template <class R>
std::vector<const RowBase*> bases(const std::vector<R>& rows) {
  std::vector<const RowBase*> out;
  for (const R& r : rows) out.push_back(&r);
  return out;
}

Section data_section() {
  return {"data", "source", "disk", "where the examples come from (the sources below)",
          {opt::integer("val_size", 0, "validation examples (0: none); csv, fashion-mnist: held out from the end of the training file").min(0),
           opt::integer("seed", std::nullopt, "seed of the data; by default run i draws its data with seed S+i like the model")
               .shown_as("`train.seed`"),
           opt::boolean("standardize", true, "subtract the training set's per-feature mean and divide by its (population) std; "
                                             "the statistics are saved with the model"),
           opt::string("targets", "class", "`class` (int64 class indices, for cross_entropy/nll), `one-hot` (float (N, C)), "
                                           "`label` (float (N, 1) 0/1, for bce/bce_with_logits/mse with 1 output)")
               .one_of({"class", "one-hot", "label"})},
          bases(source_rows())};
}

Section model_section() {
  return {"model", "", "", "",
          {opt::tables("layers", "the network (the layer types below); a flat list is a Sequential whose children are named 0, 1, 2, ...")
               .shown_as("2-25-25-25-C ReLU"),
           opt::string("init", "pytorch_default",
                       "weight init of every Linear/Conv2d: `pytorch_default` (uniform +-1/sqrt(fan_in)), `pytorch_default_scaled` "
                       "(the same / sqrt(3), report 003), xavier_*, kaiming_*, `normal` (std model.init_std)")
               .one_of({"pytorch_default", "pytorch_default_scaled", "xavier_uniform", "xavier_normal", "kaiming_uniform",
                        "kaiming_normal", "normal"}),
           opt::number("init_std", 1.0, "std of `normal` init (report 004's given std)").above(0),
           opt::number("init_gain", 1.0, "gain of the xavier_* inits, PyTorch's `gain` (report 001: sqrt(2)); 1 with the others")
               .above(0),
           opt::number("bias_std", 0.0, "when > 0, biases are drawn from N(0, bias_std^2) instead of the init's rule").min(0)},
          {}};
}

Section loss_section() {
  return {"loss", "name", "cross_entropy", "the loss (the losses below)",
          {opt::string("reduction", "mean",
                       "the batch's loss: the `mean` or the `sum` of its terms (reports 003 and 004 sum); the metrics "
                       "report per-term means either way")
               .one_of({"mean", "sum"})},
          bases(loss_rows())};
}

Section optimizer_section() {
  return {"optimizer", "name", "adam", "the optimizer (the optimizers below)",
          {opt::number("lr", 0.001, "learning rate (the step for lbfgs/bfgs)").above(0)},
          bases(optimizer_rows())};
}

Section scheduler_section() {
  return {"scheduler", "name", "none", "the learning-rate schedule (the schedulers below)",
          {opt::string("interval", "", "when step() is called: after each `epoch` or each optimizer `step`")
               .one_of({"", "epoch", "step"})
               .shown_as("`\"epoch\"` (onecycle, power: `\"step\"`)")},
          bases(scheduler_rows())};
}

Section train_section() {
  return {"train", "", "", "",
          {opt::integer("batch_size", 50, "mini-batch size (lbfgs/bfgs use the whole training set)").min(1),
           opt::integer("epochs", 100, "passes over the training set").min(1),
           opt::integer("seed", 0, "seed of run 0 (weights, dropout, shuffling; run i uses seed + i)").min(0),
           opt::boolean("shuffle", true, "reshuffle the training set every epoch"),
           opt::boolean("drop_last", false, "drop the last incomplete batch"),
           opt::number("checkpoint_seconds", 30.0, "write a checkpoint at most this often").min(0),
           opt::integer("early_stopping_patience", 0,
                        "stop after this many epochs without a better validation loss, keeping best.safetensors (0: off)")
               .min(0)},
          {}};
}

}  // namespace

const std::vector<Section>& sections() {
  static const std::vector<Section> all = {data_section(),      model_section(),     loss_section(),
                                           optimizer_section(), scheduler_section(), train_section()};
  return all;
}

namespace {

const Section& section_named(const std::string& name) {
  for (const Section& s : sections()) {
    if (s.name == name) return s;
  }
  throw std::logic_error("internal: no config section '" + name + "'");
}

Value config_value(const Config& config, const std::string& key, Type type) {
  switch (type) {
    case Type::Integer: return config.get_int(key);
    case Type::Float: return config.get_float(key);
    case Type::Boolean: return config.get_bool(key);
    case Type::String: return config.get_string(key);
    case Type::FloatArray: return config.get_floats(key);
    case Type::TableArray: return Value();
  }
  return Value();
}

}  // namespace

Options section_options(const Config& config, const std::string& section_name, const RowBase& row) {
  const Section& section = section_named(section_name);
  std::map<std::string, Value> values;
  std::set<std::string> given;
  auto add = [&](const Option& o) {
    std::string key = section.key(o.name);
    values[o.name] = config.has(key) || !std::holds_alternative<std::monostate>(o.fallback)
                         ? config_value(config, key, o.type) : Value();
    if (config.has(key)) given.insert(o.name);
  };
  for (const Option& o : section.common) add(o);
  for (const Option& o : row.options) add(o);
  return Options(section_name + "." + section.selector + " = \"" + row.name + "\"", std::move(values), std::move(given));
}

Options layer_options(const LayerRow& row, const LayerSpec& spec) {
  std::map<std::string, Value> values;
  std::set<std::string> given;
  for (const Option& o : row.options) {
    auto it = spec.options.find(o.name);
    values[o.name] = it != spec.options.end() ? it->second : o.fallback;
    if (it != spec.options.end()) given.insert(o.name);
  }
  return Options("the " + row.name + " layer", std::move(values), std::move(given));
}

void LayerContext::fail(const std::string& at, const std::string& what) const {
  throw ConfigError(config.name() + ": " + at + ": " + what);
}

nn::LinearOptions LayerContext::linear_options(bool bias) const {
  static const std::map<std::string, nn::Init> inits = {
      {"pytorch_default", nn::Init::pytorch_default}, {"pytorch_default_scaled", nn::Init::pytorch_default_scaled},
      {"xavier_uniform", nn::Init::xavier_uniform},   {"xavier_normal", nn::Init::xavier_normal},
      {"kaiming_uniform", nn::Init::kaiming_uniform}, {"kaiming_normal", nn::Init::kaiming_normal},
      {"normal", nn::Init::normal}};
  nn::LinearOptions o;
  o.bias = bias;
  o.init = inits.at(config.get_string("model.init"));
  if (o.init == nn::Init::normal) o.weight_std = config.get_float("model.init_std");
  o.gain = config.get_float("model.init_gain");  // the library refuses a gain other than 1 with a non-xavier init
  // Only layers that have a bias draw it (report 001 mixes layers with and without one).
  if (bias && config.get_float("model.bias_std") > 0) o.bias_std = config.get_float("model.bias_std");
  o.generator = &gen;
  return o;
}

// ---- docs tables ------------------------------------------------------------------------------

namespace {

std::string cell(std::string s) {  // a table cell: pipes escaped
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

std::string type_cell(const Option& o) {
  if (o.type == Type::FloatArray && o.length > 0) return "array of " + std::to_string(o.length) + " floats";
  return type_label(o.type);
}

std::string range_cell(const Option& o) {
  if (!o.choices.empty()) {
    std::string s;
    for (const std::string& c : o.choices) s += (s.empty() ? "" : ", ") + ("`\"" + c + "\"`");
    return "one of " + s;
  }
  return o.range_text();
}

// One key's row: several rows may declare it (with their own defaults).
struct KeyLine {
  const Option* option;
  std::vector<std::string> rows;
  std::vector<std::pair<std::string, std::string>> defaults;  // row -> default text
};

std::string default_cell(const KeyLine& k) {
  std::string first = k.defaults.front().second, s = first;
  for (const auto& [row, text] : k.defaults) {
    if (text != first) s += " (" + row + ": " + text + ")";
  }
  return s;
}

void key_table(std::ostringstream& os, const Section& section) {
  os << "| key | type | default | range | applies to | meaning |\n|---|---|---|---|---|---|\n";
  auto line = [&](const std::string& key, const Option& o, const std::string& applies, const std::string& def) {
    os << "| `" << key << "` | " << type_cell(o) << " | " << cell(def) << " | " << cell(range_cell(o)) << " | " << applies
       << " | " << cell(o.meaning) << " |\n";
  };
  if (!section.selector.empty()) {
    Option selector = opt::string(section.selector, section.selector_default, section.selector_meaning);
    line(section.key(section.selector), selector, "", selector.default_text());
  }
  for (const Option& o : section.common) line(section.key(o.name), o, section.selector.empty() ? "" : "all", o.default_text());
  std::vector<std::pair<std::string, KeyLine>> keys;
  for (const RowBase* row : section.rows) {
    for (const Option& o : row->options) {
      std::string key = section.key(o.name);
      auto it = std::find_if(keys.begin(), keys.end(), [&](const auto& k) { return k.first == key; });
      if (it == keys.end()) it = keys.insert(keys.end(), {key, KeyLine{&o, {}, {}}});
      it->second.rows.push_back(row->name);
      it->second.defaults.emplace_back(row->name, o.default_text());
    }
  }
  for (const auto& [key, k] : keys) {
    std::string applies;
    for (const std::string& r : k.rows) applies += (applies.empty() ? "" : ", ") + r;
    line(key, *k.option, applies, default_cell(k));
  }
}

void row_table(std::ostringstream& os, const Section& section) {
  os << "| `" << section.key(section.selector) << "` | meaning |\n|---|---|\n";
  for (const RowBase* row : section.rows) os << "| `" << row->name << "` | " << cell(row->meaning) << " |\n";
}

std::string option_list(const RowBase& row) {
  if (row.options.empty()) return "none";
  std::string s;
  for (const Option& o : row.options) {
    std::string detail = type_label(o.type);
    if (o.required) detail += ", required";
    else if (!o.default_text().empty()) detail += ", default " + o.default_text();
    std::string range = range_cell(o);
    if (!range.empty()) detail += ", " + range;
    s += (s.empty() ? "" : "; ") + ("`" + o.name + "` (" + detail + "): " + o.meaning);
  }
  return s;
}

}  // namespace

std::vector<std::string> config_tables() {
  std::vector<std::string> blocks;
  for (const Section& section : sections()) {
    std::ostringstream os;
    os << "<!-- [" << section.name << "]: generated by `minidl info --config-tables` -->\n";
    if (!section.selector.empty()) {
      row_table(os, section);
      os << "\n";
    }
    key_table(os, section);
    blocks.push_back(os.str());
  }
  std::ostringstream os;
  os << "<!-- model.layers: generated by `minidl info --config-tables` -->\n| type | meaning | options |\n|---|---|---|\n";
  for (const LayerRow& row : layer_rows()) {
    os << "| `" << row.name << "` | " << cell(row.meaning) << " | " << cell(option_list(row)) << " |\n";
  }
  blocks.push_back(os.str());
  return blocks;
}

}  // namespace minidl::cli

// The config schema (one row per key of docs/CONFIG.md) and its validation.
#include "minidl/io/config.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "minidl/error.h"

namespace minidl::io {

namespace {

enum class Type { Integer, Float, Boolean, String, FloatArray, TableArray };

// One key of the schema. `scope_key`/`scope_values`: the key only applies when scope_key has one
// of these values (optimizer.momentum applies to sgd and rmsprop); `choices`: allowed strings;
// `minimum`: numbers must be >= (or > when `exclusive`) this.
struct KeySpec {
  std::string key;
  Type type;
  std::string default_string;
  double default_number = 0;
  bool default_bool = false;
  std::vector<double> default_floats;
  std::string scope_key;
  std::vector<std::string> scope_values;
  std::vector<std::string> choices;
  double minimum = -INFINITY;
  bool exclusive = false;
};

KeySpec spec(std::string key, Type type) {
  KeySpec s;
  s.key = std::move(key);
  s.type = type;
  return s;
}
KeySpec str(std::string key, std::string def, std::vector<std::string> choices = {}) {
  KeySpec s = spec(std::move(key), Type::String);
  s.default_string = std::move(def);
  s.choices = std::move(choices);
  return s;
}
KeySpec integer(std::string key, double def, double minimum = -INFINITY, bool exclusive = false) {
  KeySpec s = spec(std::move(key), Type::Integer);
  s.default_number = def;
  s.minimum = minimum;
  s.exclusive = exclusive;
  return s;
}
KeySpec number(std::string key, double def, double minimum = -INFINITY, bool exclusive = false) {
  KeySpec s = spec(std::move(key), Type::Float);
  s.default_number = def;
  s.minimum = minimum;
  s.exclusive = exclusive;
  return s;
}
KeySpec boolean(std::string key, bool def) {
  KeySpec s = spec(std::move(key), Type::Boolean);
  s.default_bool = def;
  return s;
}
KeySpec scoped(KeySpec s, std::string scope_key, std::vector<std::string> values) {
  s.scope_key = std::move(scope_key);
  s.scope_values = std::move(values);
  return s;
}

const std::vector<KeySpec>& schema() {
  static const std::vector<KeySpec> keys = [] {
    std::vector<KeySpec> k;
    const std::string src = "data.source", opt = "optimizer.name", sch = "scheduler.name";
    k.push_back(str("data.source", "disk", {"disk", "csv", "fashion-mnist", "chars"}));
    k.push_back(scoped(integer("data.train_size", 1000, 1), src, {"disk"}));
    k.push_back(integer("data.val_size", 0, 0));
    k.push_back(scoped(integer("data.test_size", 1000, 1), src, {"disk"}));
    k.push_back(integer("data.seed", -1));
    k.push_back(boolean("data.standardize", true));
    k.push_back(scoped(str("data.features", "xy", {"xy", "xy-r2"}), src, {"disk"}));
    k.push_back(str("data.targets", "class", {"class", "one-hot", "label"}));
    k.push_back(scoped(str("data.train_path", ""), src, {"csv"}));
    k.push_back(scoped(str("data.test_path", ""), src, {"csv"}));
    k.push_back(scoped(str("data.task", "classification", {"classification", "regression"}), src, {"csv"}));
    k.push_back(scoped(integer("data.target_columns", 1, 1), src, {"csv"}));
    k.push_back(scoped(str("data.dir", "/usr/share/datasets/fashion-mnist"), src, {"fashion-mnist"}));
    k.push_back(scoped(integer("data.train_limit", 0, 0), src, {"fashion-mnist"}));
    k.push_back(scoped(integer("data.test_limit", 0, 0), src, {"fashion-mnist"}));
    k.push_back(scoped(boolean("data.flatten", true), src, {"fashion-mnist"}));
    k.push_back(scoped(boolean("data.rows_as_steps", false), src, {"fashion-mnist"}));
    k.push_back(scoped(str("data.path", "/usr/share/games/fortunes"), src, {"chars"}));
    k.push_back(scoped(integer("data.seq_len", 64, 1), src, {"chars"}));
    k.push_back(scoped(number("data.val_fraction", 0.05, 0), src, {"chars"}));
    k.push_back(scoped(number("data.test_fraction", 0.05, 0), src, {"chars"}));
    k.push_back(scoped(number("train.clip_grad_norm", 0.0, 0), src, {"chars"}));

    KeySpec layers = spec("model.layers", Type::TableArray);
    k.push_back(layers);
    k.push_back(str("model.init", "pytorch_default",
                    {"pytorch_default", "pytorch_default_scaled", "xavier_uniform", "xavier_normal", "kaiming_uniform",
                     "kaiming_normal", "normal"}));
    k.push_back(number("model.init_std", 1.0, 0, true));
    k.push_back(number("model.bias_std", 0.0, 0));

    k.push_back(str("loss.name", "cross_entropy", {"mse", "l1", "bce", "bce_with_logits", "cross_entropy", "nll"}));
    k.push_back(scoped(number("loss.label_smoothing", 0.0, 0), "loss.name", {"cross_entropy"}));

    k.push_back(str("optimizer.name", "adam", {"sgd", "adam", "adamw", "rmsprop", "lbfgs", "bfgs"}));
    k.push_back(number("optimizer.lr", 0.001, 0, true));
    k.push_back(scoped(number("optimizer.momentum", 0.0, 0), opt, {"sgd", "rmsprop"}));
    k.push_back(scoped(number("optimizer.dampening", 0.0, 0), opt, {"sgd"}));
    k.push_back(scoped(boolean("optimizer.nesterov", false), opt, {"sgd"}));
    k.push_back(scoped(number("optimizer.weight_decay", 0.0, 0), opt, {"sgd", "adam", "adamw", "rmsprop"}));
    KeySpec betas = spec("optimizer.betas", Type::FloatArray);
    betas.default_floats = {0.9, 0.999};
    k.push_back(scoped(betas, opt, {"adam", "adamw"}));
    k.push_back(scoped(number("optimizer.eps", 1e-8, 0, true), opt, {"adam", "adamw", "rmsprop"}));
    k.push_back(scoped(boolean("optimizer.amsgrad", false), opt, {"adam", "adamw"}));
    k.push_back(scoped(number("optimizer.alpha", 0.99, 0), opt, {"rmsprop"}));
    k.push_back(scoped(boolean("optimizer.centered", false), opt, {"rmsprop"}));
    k.push_back(scoped(integer("optimizer.history_size", 100, 1), opt, {"lbfgs"}));
    k.push_back(scoped(integer("optimizer.max_iter", 20, 1), opt, {"lbfgs"}));
    k.push_back(scoped(str("optimizer.line_search", "strong_wolfe", {"strong_wolfe", "none"}), opt, {"lbfgs", "bfgs"}));

    k.push_back(str("scheduler.name", "none", {"none", "step", "exponential", "cosine", "onecycle", "plateau", "power"}));
    k.push_back(str("scheduler.interval", "", {"", "epoch", "step"}));
    k.push_back(scoped(integer("scheduler.step_size", 30, 1), sch, {"step"}));
    k.push_back(scoped(number("scheduler.gamma", 0.1, 0, true), sch, {"step", "exponential"}));
    k.push_back(scoped(integer("scheduler.T_max", 0, 0), sch, {"cosine"}));
    k.push_back(scoped(number("scheduler.eta_min", 0.0, 0), sch, {"cosine"}));
    k.push_back(scoped(number("scheduler.max_lr", 0.0, 0), sch, {"onecycle"}));
    k.push_back(scoped(number("scheduler.pct_start", 0.3, 0), sch, {"onecycle"}));
    k.push_back(scoped(str("scheduler.anneal_strategy", "cos", {"cos", "linear"}), sch, {"onecycle"}));
    k.push_back(scoped(number("scheduler.div_factor", 25.0, 0, true), sch, {"onecycle"}));
    k.push_back(scoped(number("scheduler.final_div_factor", 1e4, 0, true), sch, {"onecycle"}));
    k.push_back(scoped(number("scheduler.factor", 0.1, 0, true), sch, {"plateau"}));
    k.push_back(scoped(integer("scheduler.patience", 10, 0), sch, {"plateau"}));
    k.push_back(scoped(number("scheduler.eta", 0.0, 0), sch, {"power"}));
    k.push_back(scoped(number("scheduler.kappa", 0.6, 0), sch, {"power"}));

    k.push_back(integer("train.batch_size", 50, 1));
    k.push_back(integer("train.epochs", 100, 1));
    k.push_back(integer("train.seed", 0, 0));
    k.push_back(boolean("train.shuffle", true));
    k.push_back(boolean("train.drop_last", false));
    k.push_back(number("train.checkpoint_seconds", 30.0, 0));
    k.push_back(integer("train.early_stopping_patience", 0, 0));
    return k;
  }();
  return keys;
}

const KeySpec* find_spec(const std::string& key) {
  for (const KeySpec& s : schema()) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

// Options of each layer type: name -> type (and whether required).
struct LayerOption {
  Type type;
  bool required;
};
// rnn, lstm, gru: PyTorch's options, and `output`: "all" steps or the "last" one feeds the next layer.
std::map<std::string, LayerOption> recurrent_options(bool nonlinearity) {
  std::map<std::string, LayerOption> o = {
      {"hidden_size", {Type::Integer, true}}, {"num_layers", {Type::Integer, false}}, {"bias", {Type::Boolean, false}},
      {"bidirectional", {Type::Boolean, false}}, {"dropout", {Type::Float, false}}, {"output", {Type::String, false}}};
  if (nonlinearity) o["nonlinearity"] = {Type::String, false};
  return o;
}
const std::map<std::string, std::map<std::string, LayerOption>>& layer_types() {
  static const std::map<std::string, std::map<std::string, LayerOption>> types = {
      {"linear", {{"out_features", {Type::Integer, true}}, {"bias", {Type::Boolean, false}}}},
      {"relu", {}},
      {"tanh", {}},
      {"sigmoid", {}},
      {"identity", {}},
      {"flatten", {}},
      {"shifted_tanh", {}},
      {"leaky_relu", {{"negative_slope", {Type::Float, false}}}},
      {"softmax", {{"dim", {Type::Integer, false}}}},
      {"log_softmax", {{"dim", {Type::Integer, false}}}},
      {"dropout", {{"p", {Type::Float, false}}}},
      {"sequential", {{"layers", {Type::TableArray, true}}}},
      {"conv2d",
       {{"out_channels", {Type::Integer, true}},
        {"kernel_size", {Type::Integer, true}},
        {"stride", {Type::Integer, false}},
        {"padding", {Type::Integer, false}},
        {"bias", {Type::Boolean, false}}}},
      {"max_pool2d", {{"kernel_size", {Type::Integer, true}}, {"stride", {Type::Integer, false}}}},
      {"avg_pool2d", {{"kernel_size", {Type::Integer, true}}, {"stride", {Type::Integer, false}}}},
      {"batch_norm1d", {{"momentum", {Type::Float, false}}, {"eps", {Type::Float, false}}}},
      {"batch_norm2d", {{"momentum", {Type::Float, false}}, {"eps", {Type::Float, false}}}},
      {"embedding",
       {{"embedding_dim", {Type::Integer, true}},
        {"num_embeddings", {Type::Integer, false}},
        {"padding_idx", {Type::Integer, false}}}},
      {"rnn", recurrent_options(true)},
      {"lstm", recurrent_options(false)},
      {"gru", recurrent_options(false)},
  };
  return types;
}

std::string type_name(Type t) {
  switch (t) {
    case Type::Integer: return "an integer";
    case Type::Float: return "a number";
    case Type::Boolean: return "a boolean (true or false)";
    case Type::String: return "a string";
    case Type::FloatArray: return "an array of numbers";
    case Type::TableArray: return "an array of tables";
  }
  return "?";
}

std::string describe(const toml::node& node) {
  std::ostringstream os;
  if (node.is_string()) os << '"' << node.as_string()->get() << "\" (a string)";
  else if (node.is_table()) os << "a table";
  else if (node.is_array()) os << "an array";
  else node.visit([&](auto&& v) { os << v; });
  return os.str();
}

// "file:line" for a node of the file; `file` is already the whole location ("--set k=v") for
// values that came from the command line (toml++ keeps no source for inserted nodes).
std::string where(const std::string& file, const toml::node& node) {
  if (file.rfind("--set", 0) == 0) return file;
  return file + ":" + std::to_string(node.source().begin.line);
}

bool type_matches(Type t, const toml::node& node) {
  switch (t) {
    case Type::Integer: return node.is_integer();
    case Type::Float: return node.is_integer() || node.is_floating_point();
    case Type::Boolean: return node.is_boolean();
    case Type::String: return node.is_string();
    case Type::FloatArray: {
      const toml::array* a = node.as_array();
      if (!a) return false;
      for (const auto& v : *a) {
        if (!v.is_integer() && !v.is_floating_point()) return false;
      }
      return true;
    }
    case Type::TableArray: {
      const toml::array* a = node.as_array();
      return a && a->is_array_of_tables();
    }
  }
  return false;
}

double as_number(const toml::node& node) {
  if (node.is_integer()) return static_cast<double>(node.as_integer()->get());
  return node.as_floating_point()->get();
}

std::string closest(const std::string& key, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(3, key.size() / 3) + 1;
  for (const auto& c : candidates) {
    size_t d = edit_distance(key, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::vector<std::string> all_keys() {
  std::vector<std::string> keys;
  for (const KeySpec& s : schema()) keys.push_back(s.key);
  return keys;
}

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (size_t i = 0; i < items.size(); ++i) s += (i ? ", " : "") + items[i];
  return s;
}

// inf and nan are valid TOML but never a valid setting (a learning rate of inf trains NaNs).
void reject_non_finite(const std::string& file, const std::string& key, const toml::node& node) {
  if (const auto* f = node.as_floating_point(); f && !std::isfinite(f->get())) {
    throw ConfigError(where(file, node) + ": " + key + ": expected a finite number, got " + describe(node));
  }
  if (const auto* a = node.as_array()) {
    for (size_t i = 0; i < a->size(); ++i) reject_non_finite(file, key + "[" + std::to_string(i) + "]", *a->get(i));
  }
  if (const auto* t = node.as_table()) {
    for (const auto& [k, v] : *t) reject_non_finite(file, key + "." + std::string(k.str()), v);
  }
}

void validate_layers(const std::string& file, const std::string& key, const toml::array& layers) {
  for (size_t i = 0; i < layers.size(); ++i) {
    const toml::table& layer = *layers[i].as_table();
    std::string at = key + "[" + std::to_string(i) + "]";
    const toml::node* type = layer.get("type");
    if (!type || !type->is_string()) {
      throw ConfigError(where(file, layer) + ": " + at + ": every layer needs a type (a string), e.g. type = \"linear\"");
    }
    std::string t = type->as_string()->get();
    auto it = layer_types().find(t);
    if (it == layer_types().end()) {
      std::vector<std::string> names;
      for (const auto& [name, options] : layer_types()) names.push_back(name);
      std::string hint = closest(t, names);
      throw ConfigError(where(file, *type) + ": " + at + ".type: unknown layer type '" + t + "'" +
                        (hint.empty() ? "" : " (did you mean '" + hint + "'?)") + "; known: " + join(names));
    }
    for (const auto& [name, node] : layer) {
      std::string option(name.str());
      if (option == "type") continue;
      auto opt = it->second.find(option);
      if (opt == it->second.end()) {
        std::vector<std::string> names;
        for (const auto& [n, o] : it->second) names.push_back(n);
        std::string hint = closest(option, names);
        throw ConfigError(where(file, node) + ": " + at + ": unknown option '" + option + "' for a " + t + " layer" +
                          (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                          (names.empty() ? " (it takes none)" : "; it takes " + join(names)));
      }
      if (!type_matches(opt->second.type, node)) {
        throw ConfigError(where(file, node) + ": " + at + "." + option + ": expected " + type_name(opt->second.type) +
                          ", got " + describe(node));
      }
    }
    for (const auto& [name, opt] : it->second) {
      if (opt.required && !layer.contains(name)) {
        throw ConfigError(where(file, layer) + ": " + at + ": a " + t + " layer needs '" + name + "'");
      }
    }
    if (t == "sequential") validate_layers(file, at + ".layers", *layer.get("layers")->as_array());
  }
}

// Parses the value of a --set as a TOML literal; a bare word that is not one is a string.
std::unique_ptr<toml::node> parse_value(const std::string& assignment, const std::string& key, const std::string& value) {
  std::string origin = "--set " + assignment;
  toml::table t;
  try {
    t = toml::parse("v = " + value, origin);
  } catch (const toml::parse_error&) {
    bool bare = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '/';
    });
    if (!bare) {
      throw ConfigError(origin + ": " + key + ": the value '" + value +
                        "' is not a TOML literal (quote strings, e.g. '\"text\"'; arrays as [0.9,0.99])");
    }
    t = toml::parse("v = \"" + value + "\"", origin);  // bare words hold no quote or backslash
  }
  std::unique_ptr<toml::node> out;
  t.get("v")->visit([&](auto&& n) { out = std::make_unique<std::decay_t<decltype(n)>>(n); });
  return out;
}

}  // namespace

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

Config::Config() : table_(std::make_unique<toml::table>()) {}
Config::~Config() = default;
Config::Config(const Config& other)
    : name_(other.name_),
      table_(std::make_unique<toml::table>(*other.table_)),
      origins_(other.origins_),
      warnings_(other.warnings_) {}
Config& Config::operator=(const Config& other) {
  if (this != &other) {
    name_ = other.name_;
    table_ = std::make_unique<toml::table>(*other.table_);
    origins_ = other.origins_;
    warnings_ = other.warnings_;
  }
  return *this;
}
Config::Config(Config&&) noexcept = default;
Config& Config::operator=(Config&&) noexcept = default;

Config Config::parse(const std::string& text, const std::string& name, const std::vector<std::string>& overrides) {
  Config c;
  c.name_ = name;
  try {
    *c.table_ = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    throw ConfigError(name + ":" + std::to_string(e.source().begin.line) + ": invalid TOML: " +
                      std::string(e.description()));
  }
  for (const std::string& assignment : overrides) {
    size_t eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw ConfigError("--set " + assignment + ": expected key=value, e.g. --set optimizer.lr=0.01");
    }
    std::string key = assignment.substr(0, eq);
    std::unique_ptr<toml::node> value = parse_value(assignment, key, assignment.substr(eq + 1));
    // Walk/create the tables of the dotted key, then replace the leaf.
    toml::table* t = c.table_.get();
    size_t start = 0;
    for (size_t dot; (dot = key.find('.', start)) != std::string::npos; start = dot + 1) {
      std::string part = key.substr(start, dot - start);
      toml::node* sub = t->get(part);
      if (!sub) sub = &t->insert(part, toml::table{}).first->second;
      if (!sub->is_table()) throw ConfigError("--set " + assignment + ": '" + part + "' is not a table");
      t = sub->as_table();
    }
    std::string leaf = key.substr(start);
    value->visit([&](auto&& n) { t->insert_or_assign(leaf, std::move(n)); });
    c.origins_[key] = "--set " + assignment;
  }
  c.validate();
  return c;
}

Config Config::load(const std::string& path, const std::vector<std::string>& overrides) {
  // A folder or a device (/dev/null) reads as an empty file, which would train on the defaults.
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec)) {
    throw ConfigError(path + ": not a config file (" +
                      std::string(std::filesystem::is_directory(path, ec) ? "a folder" : "not a regular file") +
                      "); give a .toml file, e.g. configs/disk.toml");
  }
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot open the config file: " + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  return parse(text.str(), path, overrides);
}

void Config::set(const std::string& assignment) { *this = parse(to_toml(), name_, {assignment}); }

void Config::validate() {
  warnings_.clear();
  std::vector<std::string> known = all_keys();
  std::vector<std::pair<std::string, const toml::node*>> present;
  auto origin = [&](const std::string& key) {
    auto it = origins_.find(key);
    return it != origins_.end() ? it->second : name_;
  };
  for (const auto& [section, node] : *table_) {
    std::string s(section.str());
    if (!node.is_table()) {
      std::string hint = closest(s, {"data", "model", "loss", "optimizer", "scheduler", "train"});
      throw ConfigError(where(origin(s), node) + ": unknown key '" + s + "'" +
                        (hint.empty() ? "" : " (did you mean the section [" + hint + "]?)") +
                        "; settings live in the sections [data], [model], [loss], [optimizer], [scheduler], [train]");
    }
    for (const auto& [k, value] : *node.as_table()) {
      std::string key = s + "." + std::string(k.str());
      if (!find_spec(key)) {
        std::string hint = closest(key, known);
        throw ConfigError(where(origin(key), value) + ": unknown key '" + key + "'" +
                          (hint.empty() ? "" : " (did you mean '" + hint + "'?)") + "; docs/CONFIG.md lists every key");
      }
      present.emplace_back(key, &value);
    }
  }
  for (const auto& [key, node] : present) {
    const KeySpec& spec = *find_spec(key);
    std::string from = origin(key);  // the file, or the --set that gave this value
    reject_non_finite(from, key, *node);
    if (!type_matches(spec.type, *node)) {
      throw ConfigError(where(from, *node) + ": " + key + ": expected " + type_name(spec.type) + ", got " +
                        describe(*node));
    }
    if (spec.type == Type::Integer || spec.type == Type::Float) {
      double v = as_number(*node);
      if (std::isnan(v) || v < spec.minimum || (spec.exclusive && v == spec.minimum)) {
        std::ostringstream bound;
        bound << spec.minimum;
        throw ConfigError(where(from, *node) + ": " + key + ": expected " + type_name(spec.type) +
                          (spec.exclusive ? " > " : " >= ") + bound.str() + ", got " + describe(*node));
      }
    }
    if (spec.type == Type::String && !spec.choices.empty()) {
      std::string v = node->as_string()->get();
      if (std::find(spec.choices.begin(), spec.choices.end(), v) == spec.choices.end()) {
        std::string hint = closest(v, spec.choices);
        throw ConfigError(where(from, *node) + ": " + key + ": unknown value \"" + v + "\"" +
                          (hint.empty() ? "" : " (did you mean \"" + hint + "\"?)") + "; expected one of " +
                          join(spec.choices));
      }
    }
    if (key == "optimizer.betas" && node->as_array()->size() != 2) {
      throw ConfigError(where(from, *node) + ": optimizer.betas: expected 2 numbers, got " + describe(*node));
    }
    if (spec.type == Type::TableArray) validate_layers(from, key, *node->as_array());
  }
  // Rules between keys. One-cycle sets the rate from scheduler.max_lr (default optimizer.lr):
  // two different values would leave optimizer.lr silently unused.
  if (get_string("scheduler.name") == "onecycle" && has("scheduler.max_lr") && has("optimizer.lr") &&
      get_float("scheduler.max_lr") != get_float("optimizer.lr")) {
    std::ostringstream msg;
    msg << origin("optimizer.lr") << ": optimizer.lr = " << get_float("optimizer.lr") << " and scheduler.max_lr = "
        << get_float("scheduler.max_lr") << " (" << origin("scheduler.max_lr")
        << ") conflict: with scheduler.name = \"onecycle\" the rate rises to max_lr and optimizer.lr is not used; "
           "set only one of them (max_lr defaults to optimizer.lr)";
    throw ConfigError(msg.str());
  }
  if (get_int("train.early_stopping_patience") > 0 && get_int("data.val_size") == 0) {
    throw ConfigError(origin("train.early_stopping_patience") +
                      ": train.early_stopping_patience watches the validation loss, but there is no validation set: "
                      "set data.val_size > 0 too, or remove it");
  }
  // Scoped keys that do not apply to the chosen optimizer/scheduler/loss/source are ignored.
  for (const auto& [key, node] : present) {
    const KeySpec& spec = *find_spec(key);
    if (spec.scope_key.empty()) continue;
    std::string chosen = get_string(spec.scope_key);
    if (std::find(spec.scope_values.begin(), spec.scope_values.end(), chosen) == spec.scope_values.end()) {
      warnings_.push_back(where(origin(key), *node) + ": " + key + " is ignored: it applies to " + spec.scope_key + " = " +
                          join(spec.scope_values) + ", not \"" + chosen + "\"");
    }
  }
}

namespace {
const toml::node* lookup(const toml::table& t, const std::string& key) {
  size_t dot = key.find('.');
  const toml::node* section = t.get(key.substr(0, dot));
  if (!section || !section->is_table()) return nullptr;
  return section->as_table()->get(key.substr(dot + 1));
}
const KeySpec& spec_of(const std::string& key, Type type) {
  const KeySpec* s = find_spec(key);
  if (!s) throw ConfigError("internal: config key '" + key + "' is not in the schema");
  if (s->type != type && !(type == Type::Float && s->type == Type::Integer)) {
    throw ConfigError("internal: config key '" + key + "' read as " + type_name(type));
  }
  return *s;
}
}  // namespace

bool Config::has(const std::string& key) const { return lookup(*table_, key) != nullptr; }

std::string Config::get_string(const std::string& key) const {
  const KeySpec& s = spec_of(key, Type::String);
  const toml::node* n = lookup(*table_, key);
  return n ? n->as_string()->get() : s.default_string;
}

int64_t Config::get_int(const std::string& key) const {
  const KeySpec& s = spec_of(key, Type::Integer);
  const toml::node* n = lookup(*table_, key);
  return n ? n->as_integer()->get() : static_cast<int64_t>(s.default_number);
}

double Config::get_float(const std::string& key) const {
  const KeySpec& s = spec_of(key, Type::Float);
  const toml::node* n = lookup(*table_, key);
  return n ? as_number(*n) : s.default_number;
}

bool Config::get_bool(const std::string& key) const {
  const KeySpec& s = spec_of(key, Type::Boolean);
  const toml::node* n = lookup(*table_, key);
  return n ? n->as_boolean()->get() : s.default_bool;
}

std::vector<double> Config::get_floats(const std::string& key) const {
  const KeySpec& s = spec_of(key, Type::FloatArray);
  const toml::node* n = lookup(*table_, key);
  if (!n) return s.default_floats;
  std::vector<double> out;
  for (const auto& v : *n->as_array()) out.push_back(as_number(v));
  return out;
}

const toml::array* Config::layers() const {
  const toml::node* n = lookup(*table_, "model.layers");
  return n ? n->as_array() : nullptr;
}

std::string Config::to_toml() const {
  std::ostringstream os;
  os << *table_ << "\n";
  return os.str();
}

}  // namespace minidl::io

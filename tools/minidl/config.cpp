// The config reader: TOML text and --set overrides, validated against the keys the registry's rows
// declare (registry/registry.h).
#include "config.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <cmath>
#include <deque>
#include <map>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "minidl/error.h"
#include "registry/registry.h"

namespace minidl::cli {

namespace {

// One key of the config: the option that declares it (the first row's, for keys several rows
// declare), and its scope: the key only applies when scope_key names one of scope_values
// (optimizer.momentum applies to sgd and rmsprop). `by_row`: each row's declaration, for its default.
struct KeySpec {
  std::string key;
  const Option* option = nullptr;
  std::string scope_key;
  std::vector<std::string> scope_values;
  std::map<std::string, const Option*> by_row;
};

const std::vector<KeySpec>& schema() {
  static const std::vector<KeySpec> keys = [] {
    static std::deque<Option> selectors;  // the selector keys' options, built from the row names
    std::vector<KeySpec> k;
    auto find = [&](const std::string& key) -> KeySpec* {
      for (KeySpec& s : k) {
        if (s.key == key) return &s;
      }
      return nullptr;
    };
    for (const Section& section : sections()) {
      if (!section.selector.empty()) {
        std::vector<std::string> names;
        for (const RowBase* row : section.rows) names.push_back(row->name);
        selectors.push_back(opt::string(section.selector, section.selector_default, section.selector_meaning).one_of(names));
        k.push_back({section.key(section.selector), &selectors.back(), "", {}, {}});
      }
      for (const Option& o : section.common) k.push_back({section.key(o.name), &o, "", {}, {}});
      for (const RowBase* row : section.rows) {
        for (const Option& o : row->options) {
          std::string key = section.key(o.name);
          KeySpec* s = find(key);
          if (!s) {
            k.push_back({key, &o, section.key(section.selector), {}, {}});
            s = &k.back();
          }
          s->scope_values.push_back(row->name);
          s->by_row[row->name] = &o;
        }
      }
    }
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

// A layer option's value as a plain Value (the type was checked).
Value value_of(const toml::node& node) {
  if (const auto* v = node.as_integer()) return v->get();
  if (const auto* v = node.as_floating_point()) return v->get();
  if (const auto* v = node.as_boolean()) return v->get();
  if (const auto* v = node.as_string()) return v->get();
  std::vector<double> numbers;
  for (const auto& e : *node.as_array()) numbers.push_back(as_number(e));
  return numbers;
}

std::string quoted_choices(const std::vector<std::string>& choices) {
  std::string s;
  for (size_t i = 0; i < choices.size(); ++i) {
    s += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + ("\"" + choices[i] + "\"");
  }
  return s;
}

// Checks one option of a layer against its row: type, range and choices.
void check_layer_option(const std::string& file, const std::string& at, const Option& o, const toml::node& node) {
  if (!type_matches(o.type, node)) {
    throw ConfigError(where(file, node) + ": " + at + ": expected " + type_name(o.type) + ", got " + describe(node));
  }
  if ((o.type == Type::Integer || o.type == Type::Float) && !o.in_range(as_number(node))) {
    throw ConfigError(where(file, node) + ": " + at + ": must be " + o.range_text() + ", got " + describe(node));
  }
  if (o.type == Type::String && !o.choices.empty() &&
      std::find(o.choices.begin(), o.choices.end(), node.as_string()->get()) == o.choices.end()) {
    throw ConfigError(where(file, node) + ": " + at + ": must be " + quoted_choices(o.choices) + ", got \"" +
                      node.as_string()->get() + "\"");
  }
}

const LayerRow& layer_row(const std::string& file, const std::string& at, const toml::node& type) {
  std::string t = type.as_string()->get();
  std::vector<std::string> names;
  for (const LayerRow& row : layer_rows()) {
    if (row.name == t) return row;
    names.push_back(row.name);
  }
  std::sort(names.begin(), names.end());
  std::string hint = closest(t, names);
  throw ConfigError(where(file, type) + ": " + at + ".type: unknown layer type '" + t + "'" +
                    (hint.empty() ? "" : " (did you mean '" + hint + "'?)") + "; known: " + join(names));
}

[[noreturn]] void unknown_layer_option(const std::string& file, const std::string& at, const LayerRow& row,
                                       const std::string& option, const toml::node& node) {
  std::vector<std::string> names;
  for (const Option& x : row.options) names.push_back(x.name);
  std::sort(names.begin(), names.end());
  std::string hint = closest(option, names);
  throw ConfigError(where(file, node) + ": " + at + ": unknown option '" + option + "' for a " + row.name + " layer" +
                    (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                    (names.empty() ? " (it takes none)" : "; it takes " + join(names)));
}

// Validates model.layers against the layer rows and returns them as plain LayerSpecs.
std::vector<LayerSpec> read_layers(const std::string& file, const std::string& key, const toml::array& layers) {
  std::vector<LayerSpec> out;
  for (size_t i = 0; i < layers.size(); ++i) {
    const toml::table& layer = *layers[i].as_table();
    LayerSpec spec;
    spec.where = key + "[" + std::to_string(i) + "]";
    const std::string& at = spec.where;
    const toml::node* type = layer.get("type");
    if (!type || !type->is_string()) {
      throw ConfigError(where(file, layer) + ": " + at + ": every layer needs a type (a string), e.g. type = \"linear\"");
    }
    const LayerRow& row = layer_row(file, at, *type);
    spec.type = row.name;
    for (const auto& [name, node] : layer) {
      std::string option(name.str());
      if (option == "type") continue;
      auto o = std::find_if(row.options.begin(), row.options.end(), [&](const Option& x) { return x.name == option; });
      if (o == row.options.end()) unknown_layer_option(file, at, row, option, node);
      check_layer_option(file, at + "." + option, *o, node);
      if (o->type == Type::TableArray) spec.layers = read_layers(file, at + "." + option, *node.as_array());
      else spec.options[option] = value_of(node);
    }
    for (const Option& o : row.options) {
      if (o.required && !layer.contains(o.name)) {
        throw ConfigError(where(file, layer) + ": " + at + ": a " + row.name + " layer needs '" + o.name + "'");
      }
    }
    out.push_back(std::move(spec));
  }
  return out;
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
      warnings_(other.warnings_),
      layers_(other.layers_) {}
Config& Config::operator=(const Config& other) {
  if (this != &other) {
    name_ = other.name_;
    table_ = std::make_unique<toml::table>(*other.table_);
    origins_ = other.origins_;
    warnings_ = other.warnings_;
    layers_ = other.layers_;
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

namespace {

// Checks one key's value against the option that declares it: type, range, choices, length.
void check_value(const std::string& from, const std::string& key, const Option& o, const toml::node& node) {
  reject_non_finite(from, key, node);
  if (!type_matches(o.type, node)) {
    throw ConfigError(where(from, node) + ": " + key + ": expected " + type_name(o.type) + ", got " + describe(node));
  }
  if ((o.type == Type::Integer || o.type == Type::Float) && !o.in_range(as_number(node))) {
    throw ConfigError(where(from, node) + ": " + key + ": expected " + type_name(o.type) + " " + o.range_text() +
                      ", got " + describe(node));
  }
  if (o.type == Type::String && !o.choices.empty()) {
    std::string v = node.as_string()->get();
    if (std::find(o.choices.begin(), o.choices.end(), v) == o.choices.end()) {
      std::string hint = closest(v, o.choices);
      throw ConfigError(where(from, node) + ": " + key + ": unknown value \"" + v + "\"" +
                        (hint.empty() ? "" : " (did you mean \"" + hint + "\"?)") + "; expected one of " +
                        join(o.choices));
    }
  }
  if (o.type == Type::FloatArray && o.length > 0 && node.as_array()->size() != o.length) {
    throw ConfigError(where(from, node) + ": " + key + ": expected " + std::to_string(o.length) + " numbers, got " +
                      describe(node));
  }
}

std::vector<std::string> section_names() {
  std::vector<std::string> names;
  for (const Section& s : sections()) names.push_back(s.name);
  return names;
}

}  // namespace

// Every key of the file must be declared by a section or a row; returns them with their nodes.
std::vector<std::pair<std::string, const toml::node*>> Config::known_keys() const {
  std::vector<std::pair<std::string, const toml::node*>> present;
  std::vector<std::string> known = all_keys(), names = section_names();
  for (const auto& [section, node] : *table_) {
    std::string s(section.str());
    if (!node.is_table()) {
      std::string hint = closest(s, names);
      std::string listed;
      for (const std::string& n : names) listed += std::string(listed.empty() ? "" : ", ") + "[" + n + "]";
      throw ConfigError(where(origin(s), node) + ": unknown key '" + s + "'" +
                        (hint.empty() ? "" : " (did you mean the section [" + hint + "]?)") +
                        "; settings live in the sections " + listed);
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
  return present;
}

std::string Config::origin(const std::string& key) const {
  auto it = origins_.find(key);
  return it != origins_.end() ? it->second : name_;
}

void Config::validate() {
  warnings_.clear();
  layers_.reset();
  auto present = known_keys();
  for (const auto& [key, node] : present) {
    const KeySpec& spec = *find_spec(key);
    std::string from = origin(key);  // the file, or the --set that gave this value
    check_value(from, key, *spec.option, *node);
    if (spec.option->type == Type::TableArray) layers_ = read_layers(from, key, *node->as_array());
  }
  check_rules_between_keys();
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

void Config::check_rules_between_keys() const {
  // One-cycle sets the rate from scheduler.max_lr (default optimizer.lr): two different values
  // would leave optimizer.lr silently unused.
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
  Type declared = s->option->type;
  if (declared != type && !(type == Type::Float && declared == Type::Integer)) {
    throw ConfigError("internal: config key '" + key + "' read as " + type_name(type));
  }
  return *s;
}
}  // namespace

// The default of `key`: the chosen row's, for a key several rows declare.
const Value& Config::fallback(const std::string& key, Type type) const {
  const KeySpec& s = spec_of(key, type);
  if (!s.scope_key.empty()) {
    auto it = s.by_row.find(get_string(s.scope_key));
    if (it != s.by_row.end()) return it->second->fallback;
  }
  return s.option->fallback;
}

bool Config::has(const std::string& key) const { return lookup(*table_, key) != nullptr; }

std::string Config::get_string(const std::string& key) const {
  const Value& d = fallback(key, Type::String);
  const toml::node* n = lookup(*table_, key);
  if (n) return n->as_string()->get();
  return std::holds_alternative<std::string>(d) ? std::get<std::string>(d) : std::string();
}

int64_t Config::get_int(const std::string& key) const {
  const Value& d = fallback(key, Type::Integer);
  const toml::node* n = lookup(*table_, key);
  if (n) return n->as_integer()->get();
  return std::holds_alternative<int64_t>(d) ? std::get<int64_t>(d) : 0;
}

double Config::get_float(const std::string& key) const {
  const Value& d = fallback(key, Type::Float);
  const toml::node* n = lookup(*table_, key);
  if (n) return as_number(*n);
  if (std::holds_alternative<double>(d)) return std::get<double>(d);
  return std::holds_alternative<int64_t>(d) ? static_cast<double>(std::get<int64_t>(d)) : 0.0;
}

bool Config::get_bool(const std::string& key) const {
  const Value& d = fallback(key, Type::Boolean);
  const toml::node* n = lookup(*table_, key);
  if (n) return n->as_boolean()->get();
  return std::holds_alternative<bool>(d) && std::get<bool>(d);
}

std::vector<double> Config::get_floats(const std::string& key) const {
  const Value& d = fallback(key, Type::FloatArray);
  const toml::node* n = lookup(*table_, key);
  if (!n) return std::holds_alternative<std::vector<double>>(d) ? std::get<std::vector<double>>(d) : std::vector<double>{};
  std::vector<double> out;
  for (const auto& v : *n->as_array()) out.push_back(as_number(v));
  return out;
}

std::string Config::to_toml() const {
  std::ostringstream os;
  os << *table_ << "\n";
  return os.str();
}

}  // namespace minidl::cli

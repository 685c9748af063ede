// A typed option of a registry row (registry.h): its name, type, default, range, choices and
// one-line meaning, and Options, the values a builder reads. Plain C++ types, no TOML: the config
// reader (config.cpp) fills them, validation and the docs tables read them.
#pragma once

#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace minidl::cli {

enum class Type { Integer, Float, Boolean, String, FloatArray, TableArray };

// A value of a config key or layer option; monostate: not given (and no default).
using Value = std::variant<std::monostate, int64_t, double, bool, std::string, std::vector<double>>;

struct Option {
  std::string name;     // "momentum"; a dotted name ("train.clip_grad_norm") lives in another section
  Type type = Type::Float;
  Value fallback;       // the default; monostate: none
  std::string meaning;  // one line, for the docs tables and `minidl info --config-tables`
  double minimum = -INFINITY, maximum = INFINITY;
  bool min_exclusive = false, max_exclusive = false;
  std::vector<std::string> choices;  // allowed strings (empty: any)
  size_t length = 0;                 // arrays: the exact number of elements (0: any)
  bool required = false;
  std::string shown_default;         // the docs' default when it is computed ("`train.seed`")

  Option& min(double v) { minimum = v; return *this; }
  Option& above(double v) { minimum = v; min_exclusive = true; return *this; }
  Option& below(double v) { maximum = v; max_exclusive = true; return *this; }
  Option& one_of(std::vector<std::string> c) { choices = std::move(c); return *this; }
  Option& size(size_t n) { length = n; return *this; }
  Option& needed() { required = true; return *this; }
  Option& shown_as(std::string text) { shown_default = std::move(text); return *this; }

  // ">= 1", "> 0", "in [0, 1)"; empty when unbounded.
  std::string range_text() const;
  bool in_range(double v) const;
  std::string default_text() const;  // as the docs show it
};

namespace opt {
Option integer(std::string name, std::optional<int64_t> fallback, std::string meaning);
Option number(std::string name, std::optional<double> fallback, std::string meaning);
Option boolean(std::string name, bool fallback, std::string meaning);
Option string(std::string name, std::optional<std::string> fallback, std::string meaning);
Option numbers(std::string name, std::vector<double> fallback, std::string meaning);
Option tables(std::string name, std::string meaning);
}  // namespace opt

std::string type_name(Type t);   // "an integer", for messages
std::string type_label(Type t);  // "integer", for the docs tables

// One entry of model.layers: its type, its options as given, nested layers (sequential), and
// where it is ("model.layers[2]") for messages.
struct LayerSpec {
  std::string type;
  std::map<std::string, Value> options;
  std::vector<LayerSpec> layers;
  std::string where;
};

// The values a builder reads: every option its row declares, given or defaulted. Reading a name the
// row does not declare is an internal error (a test that builds every row finds it).
class Options {
 public:
  Options(std::string owner, std::map<std::string, Value> values, std::set<std::string> given)
      : owner_(std::move(owner)), values_(std::move(values)), given_(std::move(given)) {}
  int64_t integer(const std::string& name) const;
  double number(const std::string& name) const;  // integers read as numbers too
  bool boolean(const std::string& name) const;
  std::string string(const std::string& name) const;
  std::vector<double> numbers(const std::string& name) const;
  bool has(const std::string& name) const { return given_.count(name) > 0; }  // given, not defaulted
  bool defined(const std::string& name) const;  // given, or a default that is not "none"

 private:
  const Value& at(const std::string& name) const;
  std::string owner_;
  std::map<std::string, Value> values_;
  std::set<std::string> given_;
};

}  // namespace minidl::cli

// Options of registry rows: the factories, ranges as text, and the values builders read.
#include "registry/option.h"

#include <sstream>
#include <stdexcept>

namespace minidl::cli {

namespace {

std::string number_text(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

Option make(std::string name, Type type, Value fallback, std::string meaning) {
  Option o;
  o.name = std::move(name);
  o.type = type;
  o.fallback = std::move(fallback);
  o.meaning = std::move(meaning);
  return o;
}

}  // namespace

namespace opt {
Option integer(std::string name, std::optional<int64_t> fallback, std::string meaning) {
  return make(std::move(name), Type::Integer, fallback ? Value(*fallback) : Value(), std::move(meaning));
}
Option number(std::string name, std::optional<double> fallback, std::string meaning) {
  return make(std::move(name), Type::Float, fallback ? Value(*fallback) : Value(), std::move(meaning));
}
Option boolean(std::string name, bool fallback, std::string meaning) {
  return make(std::move(name), Type::Boolean, fallback, std::move(meaning));
}
Option string(std::string name, std::optional<std::string> fallback, std::string meaning) {
  return make(std::move(name), Type::String, fallback ? Value(*fallback) : Value(), std::move(meaning));
}
Option numbers(std::string name, std::vector<double> fallback, std::string meaning) {
  return make(std::move(name), Type::FloatArray, std::move(fallback), std::move(meaning));
}
Option tables(std::string name, std::string meaning) {
  return make(std::move(name), Type::TableArray, Value(), std::move(meaning));
}
}  // namespace opt

std::string Option::range_text() const {
  bool low = std::isfinite(minimum), high = std::isfinite(maximum);
  if (low && high) {
    return "in " + std::string(min_exclusive ? "(" : "[") + number_text(minimum) + ", " + number_text(maximum) +
           (max_exclusive ? ")" : "]");
  }
  if (low) return (min_exclusive ? "> " : ">= ") + number_text(minimum);
  if (high) return (max_exclusive ? "< " : "<= ") + number_text(maximum);
  return "";
}

bool Option::in_range(double v) const {
  if (std::isnan(v)) return false;
  if (v < minimum || (min_exclusive && v == minimum)) return false;
  return !(v > maximum || (max_exclusive && v == maximum));
}

std::string Option::default_text() const {
  if (!shown_default.empty()) return shown_default;
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) return "";
        else if constexpr (std::is_same_v<T, std::string>) return "`\"" + v + "\"`";
        else if constexpr (std::is_same_v<T, bool>) return v ? "`true`" : "`false`";
        else if constexpr (std::is_same_v<T, int64_t>) return std::to_string(v);
        else if constexpr (std::is_same_v<T, double>) return number_text(v);
        else {
          std::string s = "[";
          for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + number_text(v[i]);
          return s + "]";
        }
      },
      fallback);
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

std::string type_label(Type t) {
  switch (t) {
    case Type::Integer: return "integer";
    case Type::Float: return "float";
    case Type::Boolean: return "boolean";
    case Type::String: return "string";
    case Type::FloatArray: return "array of floats";
    case Type::TableArray: return "array of tables";
  }
  return "?";
}

const Value& Options::at(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw std::logic_error("internal: " + owner_ + " reads '" + name + "', which it does not declare");
  return it->second;
}

int64_t Options::integer(const std::string& name) const {
  const Value& v = at(name);
  return std::holds_alternative<int64_t>(v) ? std::get<int64_t>(v) : 0;
}

double Options::number(const std::string& name) const {
  const Value& v = at(name);
  if (std::holds_alternative<double>(v)) return std::get<double>(v);
  return std::holds_alternative<int64_t>(v) ? static_cast<double>(std::get<int64_t>(v)) : 0.0;
}

bool Options::boolean(const std::string& name) const {
  const Value& v = at(name);
  return std::holds_alternative<bool>(v) && std::get<bool>(v);
}

std::string Options::string(const std::string& name) const {
  const Value& v = at(name);
  return std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : std::string();
}

std::vector<double> Options::numbers(const std::string& name) const {
  const Value& v = at(name);
  return std::holds_alternative<std::vector<double>>(v) ? std::get<std::vector<double>>(v) : std::vector<double>{};
}

bool Options::defined(const std::string& name) const { return !std::holds_alternative<std::monostate>(at(name)); }

}  // namespace minidl::cli

// Config: the command's TOML experiment file plus --set overrides, validated against the keys of
// the registry's rows (registry/registry.h) before anything runs. Errors name the file (or the --set), the line and the key,
// with a did-you-mean for unknown keys; keys of another optimizer/scheduler/loss/source than the
// chosen one become warnings and are ignored.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "registry/option.h"

namespace toml {
inline namespace v3 {
class table;
class array;
class node;
}  // namespace v3
}  // namespace toml

namespace minidl::cli {

class Config {
 public:
  // Reads `path` and applies each "key=value" override; throws ConfigError on any problem.
  static Config load(const std::string& path, const std::vector<std::string>& overrides = {});
  // The same from TOML text; `name` stands for the file in messages.
  static Config parse(const std::string& text, const std::string& name,
                      const std::vector<std::string>& overrides = {});

  Config(const Config&);
  Config& operator=(const Config&);
  Config(Config&&) noexcept;
  Config& operator=(Config&&) noexcept;
  ~Config();

  // Typed values with the defaults of the chosen row (optimizer.weight_decay of adamw is 0.01);
  // the key must be declared by a row or section.
  std::string get_string(const std::string& key) const;
  int64_t get_int(const std::string& key) const;
  double get_float(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  std::vector<double> get_floats(const std::string& key) const;
  bool has(const std::string& key) const;  // set in the file or by --set (not only defaulted)

  // model.layers (null when the config has none: the default network is used).
  const std::vector<LayerSpec>* layers() const { return layers_ ? &*layers_ : nullptr; }

  const std::vector<std::string>& warnings() const { return warnings_; }
  const std::string& name() const { return name_; }
  // The effective config (file plus overrides) as TOML, written next to a run's outputs.
  std::string to_toml() const;

  // Sets a key as a --set would (for grids and tests); validates like load().
  void set(const std::string& assignment);

 private:
  Config();
  void validate();
  std::vector<std::pair<std::string, const toml::node*>> known_keys() const;
  void check_rules_between_keys() const;
  std::string origin(const std::string& key) const;  // the file, or the --set that gave the key
  const Value& fallback(const std::string& key, Type type) const;

  std::string name_;
  std::unique_ptr<toml::table> table_;
  std::map<std::string, std::string> origins_;  // key -> "--set key=value" for overridden keys
  std::vector<std::string> warnings_;
  std::optional<std::vector<LayerSpec>> layers_;  // model.layers as plain values
};

// Levenshtein distance, for did-you-mean suggestions.
size_t edit_distance(const std::string& a, const std::string& b);

}  // namespace minidl::cli

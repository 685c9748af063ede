// save/load of state_dicts and training checkpoints on top of safetensors. A load reads and checks
// the whole file (format, then keys/shapes/dtypes against what it is loaded into) before it
// returns, so callers copy into the model only once nothing can fail any more.
#include "minidl/io/checkpoint.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <set>
#include <type_traits>
#include <vector>

namespace minidl {

namespace {

constexpr const char* kFormatKey = "minidl.format";
constexpr const char* kFormat = "minidl-checkpoint-1";
constexpr const char* kPartsKey = "minidl.parts";
const std::string kCounterPrefix = "minidl.counter.";
const std::string kGeneratorPrefix = "minidl.generator.";

std::string describe(const Tensor& t) { return to_string(t.shape()) + " " + to_string(t.dtype()); }

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  size_t start = 0;
  for (;;) {
    size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end - start));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

void check_part_name(const std::string& file, const std::string& name) {
  if (name.empty() || name.find_first_of(".,") != std::string::npos) {
    throw CheckpointError(file + ": checkpoint part name '" + name + "' must be non-empty, without '.' or ','");
  }
}

// The whole string as a decimal integer (no sign for unsigned, no spaces, no trailing bytes).
template <class T>
T parse_integer(const std::string& file, const std::string& key, const std::string& text, int base = 10) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    throw CheckpointError(file + ": __metadata__ '" + key + "' is '" + text + "', expected " +
                          (base == 16 ? "a hexadecimal" : std::is_signed_v<T> ? "a decimal" : "a non-negative decimal") +
                          " integer that fits in " + (std::is_signed_v<T> ? "int64" : "uint64"));
  }
  return value;
}

}  // namespace

void check_state_dict(const StateDict& expected, const StateDict& loaded, const std::string& file,
                      const std::string& prefix) {
  std::vector<std::string> problems;
  for (const auto& [key, t] : expected) {
    if (!t.defined()) continue;
    const Tensor* got = loaded.find(key);
    if (!got) {
      problems.push_back("missing tensor '" + prefix + key + "' (" + describe(t) + ")");
    } else if (got->shape() != t.shape() || got->dtype() != t.dtype()) {
      problems.push_back("tensor '" + prefix + key + "': " + describe(*got) + " in the file, " + describe(t) + " expected");
    }
  }
  for (const auto& [key, t] : loaded) {
    if (!expected.contains(key)) problems.push_back("unexpected tensor '" + prefix + key + "' (" + describe(t) + ")");
  }
  if (problems.empty()) return;
  std::string what = prefix.empty() ? "the model" : "the " + prefix.substr(0, prefix.size() - 1);
  throw CheckpointError(file + ": does not match " + what + " (" + std::to_string(problems.size()) +
                        (problems.size() == 1 ? " problem" : " problems") + "):\n  " + join(problems, "\n  "));
}

void save(const StateDict& state_dict, const std::string& path, const std::map<std::string, std::string>& metadata) {
  save_safetensors(state_dict, path, metadata);
}

StateDict load(const std::string& path, const StateDict& expected) {
  SafetensorsFile file = load_safetensors(path);
  check_state_dict(expected, file.tensors, path);
  StateDict out;
  for (const auto& [key, t] : expected) {
    if (t.defined()) out.insert(key, file.tensors.at(key));
  }
  return out;
}

void load_into(const std::string& path, const StateDict& target) {
  StateDict loaded = load(path, target);
  for (const auto& [key, t] : loaded) Tensor(target.at(key)).copy_(t);  // a shared handle: writes into the model; never recorded
}

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint) {
  std::map<std::string, std::string> metadata;
  for (const auto& [key, value] : checkpoint.metadata) {
    if (key.rfind("minidl.", 0) == 0) {
      throw CheckpointError(path + ": metadata key '" + key + "' is reserved (keys starting with 'minidl.' are)");
    }
    metadata[key] = value;
  }
  StateDict tensors;
  std::vector<std::string> names;
  for (const auto& [name, part] : checkpoint.parts) {
    check_part_name(path, name);
    tensors.merge(part, name + ".");
    names.push_back(name);
  }
  metadata[kFormatKey] = kFormat;
  metadata[kPartsKey] = join(names, ",");
  for (const auto& [name, value] : checkpoint.counters) {
    if (name.empty()) throw CheckpointError(path + ": a counter name is empty");
    metadata[kCounterPrefix + name] = std::to_string(value);
  }
  if (checkpoint.generator) {
    const Generator::State& g = *checkpoint.generator;
    for (int i = 0; i < 4; ++i) metadata[kGeneratorPrefix + "s" + std::to_string(i)] = std::to_string(g.s[i]);
    metadata[kGeneratorPrefix + "has_spare"] = g.has_spare ? "1" : "0";
    char bits[32];
    std::snprintf(bits, sizeof bits, "%016" PRIx64, std::bit_cast<uint64_t>(g.spare));
    metadata[kGeneratorPrefix + "spare"] = bits;
  }
  save_safetensors(tensors, path, metadata);
}

Checkpoint load_checkpoint(const std::string& path) {
  SafetensorsFile file = load_safetensors(path);
  const auto& meta = file.metadata;
  auto format = meta.find(kFormatKey);
  if (format == meta.end()) {
    throw CheckpointError(path + ": not a minidl training checkpoint (no __metadata__ '" + std::string(kFormatKey) +
                          "'; for a plain state_dict use load())");
  }
  if (format->second != kFormat) {
    throw CheckpointError(path + ": checkpoint format '" + format->second + "' is not supported (this minidl reads '" +
                          kFormat + "')");
  }
  auto parts = meta.find(kPartsKey);
  if (parts == meta.end()) throw CheckpointError(path + ": __metadata__ '" + std::string(kPartsKey) + "' is missing");

  Checkpoint checkpoint;
  std::vector<std::string> names = split(parts->second, ',');
  for (const std::string& name : names) {
    check_part_name(path, name);
    if (checkpoint.parts.count(name)) throw CheckpointError(path + ": part '" + name + "' is listed twice");
    checkpoint.parts[name] = file.tensors.with_prefix(name + ".");
  }
  for (const auto& [key, t] : file.tensors) {
    std::string part = key.substr(0, key.find('.'));
    if (key.find('.') == std::string::npos || !checkpoint.parts.count(part)) {
      throw CheckpointError(path + ": unexpected tensor '" + key + "' (not under any of the parts: " + join(names, ", ") +
                            ")");
    }
  }

  std::map<std::string, std::string> generator;
  for (const auto& [key, value] : meta) {
    if (key == kFormatKey || key == kPartsKey) continue;
    if (key.rfind(kCounterPrefix, 0) == 0 && key.size() > kCounterPrefix.size()) {
      checkpoint.counters[key.substr(kCounterPrefix.size())] = parse_integer<int64_t>(path, key, value);
    } else if (key.rfind(kGeneratorPrefix, 0) == 0) {
      generator[key.substr(kGeneratorPrefix.size())] = value;
    } else if (key.rfind("minidl.", 0) == 0) {
      throw CheckpointError(path + ": unknown __metadata__ key '" + key + "'");
    } else {
      checkpoint.metadata[key] = value;
    }
  }
  if (!generator.empty()) {
    const std::vector<std::string> fields = {"s0", "s1", "s2", "s3", "has_spare", "spare"};
    for (const auto& [field, value] : generator) {
      if (std::find(fields.begin(), fields.end(), field) == fields.end()) {
        throw CheckpointError(path + ": unknown __metadata__ key '" + kGeneratorPrefix + field + "'");
      }
    }
    for (const std::string& field : fields) {
      if (!generator.count(field)) {
        throw CheckpointError(path + ": __metadata__ '" + kGeneratorPrefix + field +
                              "' is missing (the generator state is incomplete)");
      }
    }
    Generator::State state{};
    for (int i = 0; i < 4; ++i) {
      std::string field = "s" + std::to_string(i);
      state.s[i] = parse_integer<uint64_t>(path, kGeneratorPrefix + field, generator[field]);
    }
    const std::string& has_spare = generator["has_spare"];
    if (has_spare != "0" && has_spare != "1") {
      throw CheckpointError(path + ": __metadata__ '" + kGeneratorPrefix + "has_spare' is '" + has_spare +
                            "', expected 0 or 1");
    }
    state.has_spare = has_spare == "1";
    state.spare = std::bit_cast<double>(parse_integer<uint64_t>(path, kGeneratorPrefix + "spare", generator["spare"], 16));
    checkpoint.generator = state;
  }
  return checkpoint;
}

Checkpoint load_checkpoint(const std::string& path, const std::map<std::string, StateDict>& expected) {
  Checkpoint checkpoint = load_checkpoint(path);
  std::vector<std::string> have;
  for (const auto& [name, part] : checkpoint.parts) have.push_back(name);
  for (const auto& [name, part] : expected) {
    auto it = checkpoint.parts.find(name);
    if (it == checkpoint.parts.end()) {
      throw CheckpointError(path + ": has no part '" + name + "' (it has: " + join(have, ", ") + ")");
    }
    check_state_dict(part, it->second, path, name + ".");
  }
  return checkpoint;
}

}  // namespace minidl

// StateDict: a vector of (key, tensor) in insertion order; state dicts are small, so a linear
// search is the simplest thing that is fast enough.
#include "minidl/state_dict.h"

#include "minidl/error.h"

namespace minidl {

void StateDict::insert(const std::string& key, const Tensor& value) {
  for (auto& item : items_) {
    if (item.first == key) {
      item.second = value;
      return;
    }
  }
  items_.emplace_back(key, value);
}

const Tensor* StateDict::find(const std::string& key) const {
  for (const auto& item : items_) {
    if (item.first == key) return &item.second;
  }
  return nullptr;
}

const Tensor& StateDict::at(const std::string& key) const {
  const Tensor* t = find(key);
  if (!t) throw ValueError("state_dict: no entry '" + key + "'");
  return *t;
}

std::vector<std::string> StateDict::keys() const {
  std::vector<std::string> out;
  for (const auto& item : items_) out.push_back(item.first);
  return out;
}

void StateDict::merge(const StateDict& other, const std::string& prefix) {
  for (const auto& [key, value] : other) insert(prefix + key, value);
}

StateDict StateDict::with_prefix(const std::string& prefix) const {
  StateDict out;
  for (const auto& [key, value] : items_) {
    if (key.compare(0, prefix.size(), prefix) == 0) out.insert(key.substr(prefix.size()), value);
  }
  return out;
}

}  // namespace minidl

// StateDict: named tensors in insertion order, as PyTorch's OrderedDict state_dict. Modules put
// parameters and buffers in it ("0.weight"); optimizers and schedulers put their state, with
// scalars (step counts, learning rates) as 0-dim tensors, so a checkpoint is just tensors.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "minidl/tensor.h"

namespace minidl {

class StateDict {
 public:
  using Item = std::pair<std::string, Tensor>;

  // Adds or replaces `key`.
  void insert(const std::string& key, const Tensor& value);
  bool contains(const std::string& key) const { return find(key) != nullptr; }
  const Tensor* find(const std::string& key) const;
  // Throws ValueError naming the key when it is absent.
  const Tensor& at(const std::string& key) const;

  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }
  std::vector<std::string> keys() const;

  // All entries, with `prefix` + key (for nesting: "optimizer." + "state.0.exp_avg").
  void merge(const StateDict& other, const std::string& prefix = "");
  // The entries whose key starts with `prefix`, with the prefix removed.
  StateDict with_prefix(const std::string& prefix) const;

 private:
  std::vector<Item> items_;
};

}  // namespace minidl

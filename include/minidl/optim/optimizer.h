// Optimizer: the base of every minidl::optim optimizer. It holds the parameters (a flat list over
// all parameter groups, in group order, as PyTorch numbers them in state_dict), zero_grad(), and
// state_dict()/load_state_dict() built from the per-parameter state vectors each optimizer lists.
// OptimizerOf<Options> adds parameter groups, each with its own plain options struct.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "minidl/error.h"
#include "minidl/state_dict.h"
#include "minidl/tensor.h"

namespace minidl::optim {

// Parameters that share one set of options (PyTorch's param_groups entries). Every option of a
// group is spelled out: a group does not inherit the optimizer's other options.
template <class Options>
struct ParamGroup {
  std::vector<Tensor> params;
  Options options{};
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // Not copyable: a copy would share the state tensors (Tensor is a handle) with the original.
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // Re-evaluates the model: zero_grad, forward, backward; returns the loss.
  using Closure = std::function<Tensor()>;

  // One update of every parameter whose grad is defined (others are skipped, as PyTorch).
  virtual void step() = 0;
  // Calls the closure, then step(); returns the closure's loss. LBFGS and BFGS need this form.
  virtual Tensor step(const Closure& closure);
  // Zeroes the gradients in place (PyTorch 1.13's default), or drops them with set_to_none.
  void zero_grad(bool set_to_none = false);
  // Forgets all state (step counts, moments, histories); options and parameters stay.
  virtual void reset() = 0;

  // "state.<i>.<name>" per parameter i (0-dim tensors for counts), "param_groups.<g>.<option>"
  // (0-dim float64; bools as 0/1) and "param_groups.<g>.params" (the int64 indices of the group).
  // The tensors are copies: stepping on does not change a saved dict.
  virtual StateDict state_dict() const;
  // Checks every key, shape and dtype first; on any mismatch it throws ValueError and changes
  // nothing. Options are restored too (as PyTorch restores param_groups).
  virtual void load_state_dict(const StateDict& dict);

  // All parameters, group after group.
  const std::vector<Tensor>& parameters() const { return params_; }
  const char* name() const { return name_; }

  // Generic access to the group options, for schedulers.
  virtual size_t num_param_groups() const = 0;
  virtual double lr(size_t group) const = 0;
  virtual void set_lr(size_t group, double lr) = 0;
  // The option OneCycleLR cycles: `momentum` (SGD, RMSprop) or betas[0] (Adam, AdamW); nullptr
  // when the optimizer has neither (LBFGS, BFGS).
  virtual double* momentum_option(size_t group) = 0;

 protected:
  explicit Optimizer(const char* name) : name_(name) {}

  // Per-parameter state vectors (each parallel to parameters()), named as in PyTorch's state.
  // An undefined tensor is absent state (SGD's momentum buffer before the first step); a
  // `required` slot must be present in a loaded dict for every parameter.
  struct TensorSlot {
    const char* name;
    std::vector<Tensor>* values;
    bool required;
  };
  struct CountSlot {
    const char* name;
    std::vector<int64_t>* values;
  };
  struct Slots {
    std::vector<TensorSlot> tensors;
    std::vector<CountSlot> counts;
  };
  virtual Slots state_slots() = 0;

  // Group options <-> "param_groups.<g>.<option>" entries (implemented by OptimizerOf).
  virtual void save_group_options(size_t group, StateDict& out, const std::string& prefix) const = 0;
  virtual void check_group_options(size_t group, const StateDict& dict, const std::string& prefix) const = 0;
  virtual void load_group_options(size_t group, const StateDict& dict, const std::string& prefix) = 0;
  virtual size_t group_begin(size_t group) const = 0;  // index of the group's first parameter

  // The group options part of state_dict/load_state_dict, for optimizers with their own state
  // layout (LBFGS, BFGS). check_groups also rejects keys it does not know under "param_groups.".
  void save_groups(StateDict& out) const;
  void check_groups(const StateDict& dict) const;
  void load_groups(const StateDict& dict);
  // Their load_state_dict: check(expect) checks every key of their own state through
  // expect(key, dtype, shape), which returns the tensor; then any other key is rejected, the
  // groups are checked, and only when all is right load() reads the state and the groups'
  // options are loaded. A bad dict thus leaves the optimizer as it was.
  template <class Check, class Load>
  void load_own_state(const StateDict& dict, Check&& check, Load&& load) {
    std::vector<std::string> known;
    check([&](const std::string& key, Dtype dtype, const Shape& shape) -> const Tensor& {
      return expect_state(dict, key, dtype, shape, known);
    });
    check_state_keys(dict, known);
    load();
    load_groups(dict);
  }
  // expect_state() checks that `key` is in dict with this dtype and shape and adds it to `known`;
  // check_state_keys() then rejects any other key and checks the groups.
  const Tensor& expect_state(const StateDict& dict, const std::string& key, Dtype dtype, const Shape& shape,
                             std::vector<std::string>& known) const;
  void check_state_keys(const StateDict& dict, const std::vector<std::string>& known) const;
  [[noreturn]] void fail(const std::string& what) const;

  std::vector<Tensor> params_;
  const char* name_;
};

namespace detail {

std::string format_number(double v);  // shortest form: "-0.1", "1e-08"
// Throws ValueError "<optimizer>: <option> must be <relation>, got <value>" unless ok.
void require(bool ok, const char* optimizer, const char* option, const char* relation, double value);
// The checks every optimizer makes on its parameter list: non-empty, defined, floating, leaves,
// no parameter twice.
void check_params(const char* optimizer, const std::vector<Tensor>& params);

// Option <-> 0-dim tensor conversions used by OptimizerOf.
Tensor option_to_tensor(double v);
Tensor option_to_tensor(const std::array<double, 2>& v);
void check_option_tensor(const char* optimizer, const std::string& key, const Tensor* t, int64_t numel);
void option_from_tensor(const Tensor& t, double& v);
void option_from_tensor(const Tensor& t, std::array<double, 2>& v);

}  // namespace detail

// Parameter groups over an options struct that lists its fields with
// `template <class V> void visit(V&& v)` (v("lr", lr); ...). Fields are double, bool, int64_t,
// an enum, or std::array<double, 2> (betas).
template <class Options>
class OptimizerOf : public Optimizer {
 public:
  using Group = ParamGroup<Options>;

  // Change options through this (schedulers set lr); the params of a group must not change.
  std::vector<Group>& param_groups() { return groups_; }
  const std::vector<Group>& param_groups() const { return groups_; }
  Options& options(size_t group = 0) { return groups_.at(group).options; }

  size_t num_param_groups() const override { return groups_.size(); }
  double lr(size_t group) const override { return groups_.at(group).options.lr; }
  void set_lr(size_t group, double lr) override { groups_.at(group).options.lr = lr; }
  double* momentum_option(size_t group) override {
    Options& o = groups_.at(group).options;
    if constexpr (requires { o.betas[0]; }) {
      return &o.betas[0];
    } else if constexpr (requires { o.momentum; }) {
      return &o.momentum;
    } else {
      return nullptr;
    }
  }

 protected:
  // Validates every group (with `validate`, which throws) and the parameters before storing any.
  OptimizerOf(const char* name, std::vector<Group> groups, void (*validate)(const Options&)) : Optimizer(name) {
    if (groups.empty()) throw ValueError(std::string(name) + ": got no parameter groups");
    std::vector<Tensor> all;
    for (const Group& g : groups) {
      validate(g.options);
      if (g.params.empty()) {
        throw ValueError(std::string(name) + (groups.size() == 1 ? ": got an empty parameter list"
                                                                  : ": a parameter group has no parameters"));
      }
      all.insert(all.end(), g.params.begin(), g.params.end());
    }
    detail::check_params(name, all);
    groups_ = std::move(groups);
    params_ = std::move(all);
    validate_ = validate;
    size_t begin = 0;
    for (const Group& g : groups_) {
      begins_.push_back(begin);
      begin += g.params.size();
    }
    begins_.push_back(begin);
  }

  size_t group_begin(size_t group) const override { return begins_[group]; }
  size_t group_end(size_t group) const { return begins_[group + 1]; }

  // Calls f(i, param, grad, options of its group) for every parameter that has a gradient, group
  // by group: the loop of every elementwise optimizer's step().
  template <class F>
  void for_each_gradient(F&& f) {
    for (size_t gi = 0; gi < groups_.size(); ++gi) {
      const Options& o = groups_[gi].options;
      for (size_t i = begins_[gi]; i < begins_[gi + 1]; ++i) {
        Tensor grad = params_[i].grad();
        if (grad.defined()) f(i, params_[i], grad, o);
      }
    }
  }

  void save_group_options(size_t group, StateDict& out, const std::string& prefix) const override {
    Options o = groups_[group].options;
    o.visit([&](const char* key, auto& value) { out.insert(prefix + key, to_tensor(value)); });
  }
  void check_group_options(size_t group, const StateDict& dict, const std::string& prefix) const override {
    Options o = groups_[group].options;
    o.visit([&](const char* key, auto& value) {
      const Tensor* t = dict.find(prefix + key);
      detail::check_option_tensor(name_, prefix + key, t, numel_of(value));
      from_tensor(*t, value);
    });
    try {
      validate_(o);  // the loaded options must be valid too
    } catch (const ValueError& e) {
      throw ValueError(std::string(name_) + ".load_state_dict: '" + prefix + "*': " + e.what());
    }
  }
  void load_group_options(size_t group, const StateDict& dict, const std::string& prefix) override {
    groups_[group].options.visit([&](const char* key, auto& value) { from_tensor(dict.at(prefix + key), value); });
  }

  std::vector<Group> groups_;
  std::vector<size_t> begins_;  // group g holds params_[begins_[g] .. begins_[g + 1])
  void (*validate_)(const Options&) = nullptr;

 private:
  template <class V> static Tensor to_tensor(const V& v) {
    if constexpr (std::is_same_v<V, std::array<double, 2>>) {
      return detail::option_to_tensor(v);
    } else if constexpr (std::is_enum_v<V>) {
      return detail::option_to_tensor(static_cast<double>(static_cast<int64_t>(v)));
    } else {
      return detail::option_to_tensor(static_cast<double>(v));
    }
  }
  template <class V> static int64_t numel_of(const V&) {
    return std::is_same_v<V, std::array<double, 2>> ? 2 : 1;
  }
  template <class V> static void from_tensor(const Tensor& t, V& v) {
    if constexpr (std::is_same_v<V, std::array<double, 2>>) {
      detail::option_from_tensor(t, v);
    } else {
      double d = 0;
      detail::option_from_tensor(t, d);
      if constexpr (std::is_same_v<V, bool>) {
        v = d != 0;
      } else if constexpr (std::is_enum_v<V>) {
        v = static_cast<V>(static_cast<int64_t>(d));
      } else {
        v = static_cast<V>(d);
      }
    }
  }
};

}  // namespace minidl::optim

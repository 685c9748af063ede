// Module: the base of every layer. Parameters, buffers and child modules are registered by name
// in the constructor, as PyTorch's register_parameter/register_buffer/register_module, so names
// ("0.weight"), state_dict keys, print() and error messages all come from one registry.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "minidl/error.h"
#include "minidl/state_dict.h"
#include "minidl/tensor.h"

namespace minidl::nn {

// A ShapeError raised inside a module's forward, rethrown by Module::operator() with the module's
// kind, path and settings in front. Derives from ShapeError, so `catch (const ShapeError&)` works.
// `path` is the dotted path from the root, which is called "model" in messages ("model.4").
struct ModuleShapeError : ShapeError {
  ModuleShapeError(const std::string& message, std::string path) : ShapeError(message), path(std::move(path)) {}
  std::string path;
};

class Module {
 public:
  virtual ~Module() = default;
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // x -> y. Called through operator(), which adds the module path to shape errors.
  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x);

  // "Linear": the class name, as PyTorch's _get_name().
  virtual std::string type_name() const = 0;
  // "in_features=2, out_features=25, bias=true"; empty for modules without settings.
  virtual std::string extra_repr() const { return ""; }
  // PyTorch's repr: one line for a leaf ("ReLU()"), the indented tree of children otherwise.
  std::string repr() const;

  // Depth-first, own entries before children's, in registration order (PyTorch's order).
  // A tensor or module reachable twice (a module used twice) is listed once, as PyTorch does.
  std::vector<Tensor> parameters() const;
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  std::vector<Tensor> buffers() const;
  std::vector<std::pair<std::string, Tensor>> named_buffers() const;
  std::vector<std::shared_ptr<Module>> children() const;
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const { return children_; }
  // Every module below this one, this one first with name "" (PyTorch's named_modules()).
  std::vector<std::pair<std::string, const Module*>> named_modules() const;

  // Parameters and buffers with PyTorch's keys ("0.weight"). The values are the live tensors
  // (no copy), as PyTorch's state_dict; clone them to keep a snapshot.
  StateDict state_dict() const;
  // Copies values into the existing tensors (copy_), so optimizers holding them keep working.
  // Checks everything first and throws one ValueError listing every problem (missing keys and
  // unexpected keys when strict; shape mismatches always), leaving the model unchanged. A value of
  // another dtype is cast to the tensor's dtype, as PyTorch's copy_ (float64 into float32 rounds).
  void load_state_dict(const StateDict& state, bool strict = true);

  // Converts every floating parameter and buffer (and existing gradients) to `dtype` in place: the
  // handles stay the same, so members, the registry and anyone holding parameters() agree.
  Module& to(Dtype dtype);
  Module& train(bool on = true);  // propagated to every child
  Module& eval() { return train(false); }
  bool is_training() const { return training_; }
  // Zeroes every parameter's gradient (PyTorch 1.13's default), or drops it with set_to_none.
  void zero_grad(bool set_to_none = false);

 protected:
  // Each returns its argument. Names are non-empty, contain no '.', and are unique in the module.
  // register_parameter makes the tensor a leaf that requires grad (float dtypes only).
  Tensor register_parameter(const std::string& name, Tensor x);
  Tensor register_buffer(const std::string& name, Tensor x);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }
  // Children are registered in order; Sequential appends with these.
  void add_child(const std::string& name, std::shared_ptr<Module> module);
  // Removes the parameter, buffer or child called `name`; false if there is none. For modules
  // whose members are reassigned after construction (Python's `del model.fc`, `model.fc = ...`).
  bool unregister(const std::string& name);
  // Throws a ShapeError unless x is 2-D or more with `in_features` in its last dim:
  // "input has 24 features, expected 25".
  static void check_features(const Tensor& x, int64_t in_features);

 private:
  void check_new_name(const char* what, const std::string& name) const;
  void collect_named_modules(const std::string& prefix, std::vector<std::pair<std::string, const Module*>>& out,
                             std::vector<const Module*>& seen) const;
  void collect_state(const std::string& prefix, std::vector<std::pair<std::string, Tensor>>& out) const;

  std::vector<std::pair<std::string, Tensor>> parameters_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

// PyTorch's print(model): the same text as repr().
std::ostream& operator<<(std::ostream& os, const Module& module);
std::string to_string(const Module& module);

namespace detail {
// Python's repr of a float ("0.1", "1e-05", "0.5"): the shortest text that reads back exactly.
std::string format_double(double v);
// The path of `module` ("model.2") while its forward runs under operator(); "" otherwise.
std::string current_module_path(const Module* module);
// Called by operator() around each forward; summary() installs one to see every layer's output.
struct ForwardObserver {
  virtual ~ForwardObserver() = default;
  virtual void before(const Module& module, const std::string& path, int depth) = 0;
  virtual void after(const Module& module, const std::string& path, const Tensor& y) = 0;
};
bool observing_forwards();  // is an observer installed on this thread?

// Installs `observer` for this thread for its lifetime.
class ObserveForwards {
 public:
  explicit ObserveForwards(ForwardObserver* observer);
  ~ObserveForwards();
  ObserveForwards(const ObserveForwards&) = delete;
  ObserveForwards& operator=(const ObserveForwards&) = delete;

 private:
  ForwardObserver* previous_;
};
}  // namespace detail

}  // namespace minidl::nn

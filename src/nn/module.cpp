// Module: the name registry behind parameters(), state_dict() and print(), and operator(), which
// keeps a per-thread stack of the modules being called so a shape error can name its path.
#include "minidl/nn/module.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "minidl/autograd/node.h"

namespace minidl::nn {

namespace {

// The modules whose forward is running on this thread, outermost first.
thread_local std::vector<const Module*> t_call_stack;
thread_local detail::ForwardObserver* t_observer = nullptr;

// "  " in front of every line but the first (PyTorch's _addindent).
std::string indent(const std::string& text) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '\n') out += "  ";
  }
  return out;
}

}  // namespace

// ---- calling -----------------------------------------------------------------------------------

// "model.2.0": the root of the call is "model"; each inner module is named by the name its caller
// registered it under (a module called without being registered shows its type name).
static std::string current_path() {
  std::string path = "model";
  for (size_t i = 1; i < t_call_stack.size(); ++i) {
    const Module* parent = t_call_stack[i - 1];
    std::string name = t_call_stack[i]->type_name();
    for (const auto& [child_name, child] : parent->named_children()) {
      if (child.get() == t_call_stack[i]) {
        name = child_name;
        break;
      }
    }
    path += "." + name;
  }
  return path;
}

Tensor Module::operator()(const Tensor& x) {
  t_call_stack.push_back(this);
  struct Pop {
    ~Pop() { t_call_stack.pop_back(); }
  } pop;
  if (t_observer) t_observer->before(*this, current_path(), static_cast<int>(t_call_stack.size()) - 1);
  Tensor y;
  try {
    y = forward(x);
  } catch (const ModuleShapeError&) {
    throw;  // already names the innermost module: one prefix only
  } catch (const ShapeError& e) {
    std::string path = current_path();
    std::string settings = extra_repr();
    std::string message = type_name() + " '" + path + "'" + (settings.empty() ? "" : " (" + settings + ")") + ": " +
                          e.what() + "\n  input shape: " + (x.defined() ? to_string(x.shape()) : "undefined");
    throw ModuleShapeError(message, path);
  }
  if (t_observer) t_observer->after(*this, current_path(), y);
  return y;
}

void Module::check_features(const Tensor& x, int64_t in_features) {
  if (!x.defined()) throw ValueError("input is an undefined tensor");
  if (x.dim() == 0 || x.shape().back() != in_features) {
    throw ShapeError("input has " + std::to_string(x.dim() ? x.shape().back() : 0) + " features, expected " +
                     std::to_string(in_features));
  }
}

// ---- registration ------------------------------------------------------------------------------

void Module::check_new_name(const char* what, const std::string& name) const {
  if (name.empty() || name.find('.') != std::string::npos) {
    throw ValueError(std::string(what) + ": name must be non-empty and contain no '.', got '" + name + "'");
  }
  auto taken = [&](const auto& list) {
    return std::any_of(list.begin(), list.end(), [&](const auto& item) { return item.first == name; });
  };
  if (taken(parameters_) || taken(buffers_) || taken(children_)) {
    throw ValueError(std::string(what) + ": " + type_name() + " already has a member named '" + name + "'");
  }
}

Tensor Module::register_parameter(const std::string& name, Tensor x) {
  check_new_name("register_parameter", name);
  if (!x.defined()) throw ValueError("register_parameter: '" + name + "' is an undefined tensor");
  x.requires_grad_(true);  // throws DtypeError for int64
  parameters_.emplace_back(name, x);
  return x;
}

Tensor Module::register_buffer(const std::string& name, Tensor x) {
  check_new_name("register_buffer", name);
  if (!x.defined()) throw ValueError("register_buffer: '" + name + "' is an undefined tensor");
  buffers_.emplace_back(name, x);
  return x;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_new_name("register_module", name);
  if (!module) throw ValueError("register_module: '" + name + "' is a null module");
  children_.emplace_back(name, std::move(module));
}

bool Module::unregister(const std::string& name) {
  auto erase = [&](auto& list) {
    auto it = std::find_if(list.begin(), list.end(), [&](const auto& item) { return item.first == name; });
    if (it == list.end()) return false;
    list.erase(it);
    return true;
  };
  return erase(parameters_) || erase(buffers_) || erase(children_);
}

// ---- traversal ---------------------------------------------------------------------------------

void Module::collect_named_modules(const std::string& prefix, std::vector<std::pair<std::string, const Module*>>& out,
                                   std::vector<const Module*>& seen) const {
  if (std::find(seen.begin(), seen.end(), this) != seen.end()) return;
  seen.push_back(this);
  out.emplace_back(prefix, this);
  for (const auto& [name, child] : children_) {
    child->collect_named_modules(prefix.empty() ? name : prefix + "." + name, out, seen);
  }
}

std::vector<std::pair<std::string, const Module*>> Module::named_modules() const {
  std::vector<std::pair<std::string, const Module*>> out;
  std::vector<const Module*> seen;
  collect_named_modules("", out, seen);
  return out;
}

namespace {
// Own entries of each module, prefixed by its path; each tensor once.
template <class Get>
std::vector<std::pair<std::string, Tensor>> named_tensors(const Module& root, Get get) {
  std::vector<std::pair<std::string, Tensor>> out;
  std::vector<const TensorImpl*> seen;
  for (const auto& [prefix, module] : root.named_modules()) {
    for (const auto& [name, x] : get(*module)) {
      if (std::find(seen.begin(), seen.end(), x.impl().get()) != seen.end()) continue;
      seen.push_back(x.impl().get());
      out.emplace_back(prefix.empty() ? name : prefix + "." + name, x);
    }
  }
  return out;
}
}  // namespace

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
  return named_tensors(*this, [](const Module& m) -> const auto& { return m.parameters_; });
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& item : named_parameters()) out.push_back(item.second);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers() const {
  return named_tensors(*this, [](const Module& m) -> const auto& { return m.buffers_; });
}

std::vector<Tensor> Module::buffers() const {
  std::vector<Tensor> out;
  for (auto& item : named_buffers()) out.push_back(item.second);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (const auto& item : children_) out.push_back(item.second);
  return out;
}

// ---- state -------------------------------------------------------------------------------------

// PyTorch's _save_to_state_dict order: own parameters, own buffers, then each child. A module
// registered twice appears under both names (PyTorch does the same).
void Module::collect_state(const std::string& prefix, std::vector<std::pair<std::string, Tensor>>& out) const {
  for (const auto& [name, x] : parameters_) out.emplace_back(prefix + name, x);
  for (const auto& [name, x] : buffers_) out.emplace_back(prefix + name, x);
  for (const auto& [name, child] : children_) child->collect_state(prefix + name + ".", out);
}

StateDict Module::state_dict() const {
  std::vector<std::pair<std::string, Tensor>> items;
  collect_state("", items);
  StateDict state;
  for (const auto& [key, x] : items) state.insert(key, x);
  return state;
}

void Module::load_state_dict(const StateDict& state, bool strict) {
  std::vector<std::pair<std::string, Tensor>> expected;
  collect_state("", expected);
  std::vector<std::string> missing, unexpected, mismatched;
  for (const auto& [key, x] : expected) {
    const Tensor* src = state.find(key);
    if (!src) {
      missing.push_back(key);
    } else if (src->shape() != x.shape()) {
      mismatched.push_back("shape mismatch for " + key + ": the state dict has " + to_string(src->shape()) +
                           ", the model has " + to_string(x.shape()));
    }
  }
  for (const auto& entry : state) {
    const std::string& key = entry.first;  // not a structured binding: clang 14 cannot capture those in a lambda
    bool known = std::any_of(expected.begin(), expected.end(), [&](const auto& item) { return item.first == key; });
    if (!known) unexpected.push_back(key);
  }
  if (!strict) {
    missing.clear();
    unexpected.clear();
  }
  size_t problems = missing.size() + unexpected.size() + mismatched.size();
  if (problems) {
    auto join = [](const std::vector<std::string>& keys) {
      std::string s;
      for (const auto& k : keys) s += (s.empty() ? "" : ", ") + k;
      return s;
    };
    std::string message = "load_state_dict: " + std::to_string(problems) + " problem" + (problems > 1 ? "s" : "") +
                          " loading into " + type_name() + ", nothing was loaded:";
    if (!missing.empty()) message += "\n  missing keys: " + join(missing);
    if (!unexpected.empty()) message += "\n  unexpected keys: " + join(unexpected);
    for (const auto& m : mismatched) message += "\n  " + m;
    throw ValueError(message);
  }
  autograd::NoGradGuard no_grad;
  for (auto& [key, x] : expected) {
    if (const Tensor* src = state.find(key)) x.copy_(src->dtype() == x.dtype() ? *src : src->to(x.dtype()));  // cast as PyTorch
  }
}

Module& Module::to(Dtype dtype) {
  if (!is_floating(dtype)) throw DtypeError("Module::to: expected float32 or float64, got " + minidl::to_string(dtype));
  auto convert = [dtype](const Tensor& x) {
    if (!is_floating(x.dtype()) || x.dtype() == dtype) return;
    // The parameter's TensorImpl is shared by the module member, the registry and any optimizer
    // holding parameters(); swapping its storage in place keeps all of them pointing at the
    // converted values (PyTorch's _apply replaces param.data the same way). Parameters are
    // leaves, so there is no grad_fn to carry over; requires_grad is kept.
    Tensor converted = x.detach().to(dtype);
    TensorImpl& impl = *x.impl();
    impl.storage = converted.impl()->storage;
    impl.offset = converted.impl()->offset;
    impl.dtype = dtype;
    if (impl.grad) impl.grad = Tensor(impl.grad).to(dtype).impl();
  };
  for (const auto& x : parameters()) convert(x);
  for (const auto& x : buffers()) convert(x);
  return *this;
}

Module& Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
  return *this;
}

void Module::zero_grad(bool set_to_none) {
  for (Tensor& x : parameters()) {
    if (!x.grad().defined()) continue;
    if (set_to_none) {
      x.set_grad(Tensor());
    } else {
      x.grad().zero_();
    }
  }
}

// ---- printing ----------------------------------------------------------------------------------

std::string Module::repr() const {
  std::string settings = extra_repr();
  if (children_.empty()) return type_name() + "(" + settings + ")";
  std::string s = type_name() + "(";
  if (!settings.empty()) s += "\n  " + indent(settings);
  for (const auto& [name, child] : children_) s += "\n  (" + name + "): " + indent(child->repr());
  return s + "\n)";
}

std::ostream& operator<<(std::ostream& os, const Module& module) { return os << module.repr(); }
std::string to_string(const Module& module) { return module.repr(); }

namespace detail {

std::string format_double(double v) {
  char buf[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  if (s.find_first_of(".eninf") == std::string::npos) s += ".0";  // Python prints 1.0, not 1
  return s;
}

std::string current_module_path(const Module* module) {
  return !t_call_stack.empty() && t_call_stack.back() == module ? current_path() : "";
}

bool observing_forwards() { return t_observer != nullptr; }

ObserveForwards::ObserveForwards(ForwardObserver* observer) : previous_(t_observer) { t_observer = observer; }
ObserveForwards::~ObserveForwards() { t_observer = previous_; }

}  // namespace detail

}  // namespace minidl::nn

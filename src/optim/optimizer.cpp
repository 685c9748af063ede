// Optimizer: zero_grad and the generic state_dict/load_state_dict over the per-parameter state
// slots each optimizer lists. load_state_dict checks the whole dict before it changes anything.
#include "minidl/optim/optimizer.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace minidl::optim {

namespace detail {

std::string format_number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

void require(bool ok, const char* optimizer, const char* option, const char* relation, double value) {
  if (!ok) {
    throw ValueError(std::string(optimizer) + ": " + option + " must be " + relation + ", got " + format_number(value));
  }
}

void check_params(const char* optimizer, const std::vector<Tensor>& params) {
  if (params.empty()) throw ValueError(std::string(optimizer) + ": got an empty parameter list");
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    std::string which = std::string(optimizer) + ": parameter " + std::to_string(i);
    if (!p.defined()) throw ValueError(which + " is an undefined tensor");
    if (!is_floating(p.dtype())) throw DtypeError(which + " is " + to_string(p.dtype()) + ", expected float32 or float64");
    if (!p.is_leaf()) throw ValueError(which + " is not a leaf (it was computed by an op); optimize leaves only");
    for (size_t j = 0; j < i; ++j) {
      if (params[j].impl() == p.impl()) {
        throw ValueError(which + " is the same tensor as parameter " + std::to_string(j) +
                         " (a parameter may appear once, in one group)");
      }
    }
  }
}

Tensor option_to_tensor(double v) { return scalar_tensor(v, kFloat64); }
Tensor option_to_tensor(const std::array<double, 2>& v) { return tensor(std::vector<double>{v[0], v[1]}, {2}, kFloat64); }

void check_option_tensor(const char* optimizer, const std::string& key, const Tensor* t, int64_t numel) {
  std::string where = std::string(optimizer) + ".load_state_dict: ";
  if (!t) throw ValueError(where + "missing '" + key + "'");
  Shape expected = numel == 1 ? Shape{} : Shape{numel};
  if (!t->defined() || t->dtype() != kFloat64 || t->shape() != expected) {
    throw ValueError(where + "'" + key + "' must be a float64 tensor of shape " + to_string(expected) + ", got " +
                     (t->defined() ? to_string(t->dtype()) + " " + to_string(t->shape()) : std::string("undefined")));
  }
}

void option_from_tensor(const Tensor& t, double& v) { v = t.item(); }
void option_from_tensor(const Tensor& t, std::array<double, 2>& v) {
  v[0] = t.at({0});
  v[1] = t.at({1});
}

}  // namespace detail

void Optimizer::zero_grad(bool set_to_none) {
  for (Tensor& p : params_) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    if (set_to_none) {
      p.set_grad(Tensor());
    } else {
      g.zero_();
    }
  }
}

Tensor Optimizer::step(const Closure& closure) {
  Tensor loss = closure();
  step();
  return loss;
}

void Optimizer::fail(const std::string& what) const {
  throw ValueError(std::string(name_) + ".load_state_dict: " + what);
}

const Tensor& Optimizer::expect_state(const StateDict& dict, const std::string& key, Dtype dtype, const Shape& shape,
                                      std::vector<std::string>& known) const {
  known.push_back(key);
  const Tensor* t = dict.find(key);
  if (!t) fail("missing '" + key + "'");
  if (!t->defined() || t->dtype() != dtype || t->shape() != shape) {
    fail("'" + key + "' must be " + to_string(dtype) + " " + to_string(shape) + ", got " +
         (t->defined() ? to_string(t->dtype()) + " " + to_string(t->shape()) : std::string("undefined")));
  }
  return *t;
}

void Optimizer::check_state_keys(const StateDict& dict, const std::vector<std::string>& known) const {
  for (const auto& [key, value] : dict) {
    if (key.compare(0, 13, "param_groups.") == 0) continue;  // check_groups
    if (std::find(known.begin(), known.end(), key) == known.end()) fail("unexpected key '" + key + "'");
  }
  check_groups(dict);
}

namespace {

// "state.12.exp_avg" -> (12, "exp_avg"); false if the key has another form.
bool parse_indexed(const std::string& key, const std::string& prefix, size_t& index, std::string& rest) {
  if (key.compare(0, prefix.size(), prefix) != 0) return false;
  size_t dot = key.find('.', prefix.size());
  if (dot == std::string::npos || dot == prefix.size()) return false;
  std::string digits = key.substr(prefix.size(), dot - prefix.size());
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
  }
  index = std::stoull(digits);
  rest = key.substr(dot + 1);
  return true;
}

std::string describe(const Tensor& t) {
  return t.defined() ? to_string(t.dtype()) + " " + to_string(t.shape()) : std::string("undefined");
}

}  // namespace

void Optimizer::save_groups(StateDict& out) const {
  for (size_t g = 0; g < num_param_groups(); ++g) {
    std::string prefix = "param_groups." + std::to_string(g) + ".";
    size_t end = g + 1 < num_param_groups() ? group_begin(g + 1) : params_.size();
    std::vector<int64_t> indices;
    for (size_t i = group_begin(g); i < end; ++i) indices.push_back(static_cast<int64_t>(i));
    out.insert(prefix + "params", tensor(indices, {static_cast<int64_t>(indices.size())}));
    save_group_options(g, out, prefix);
  }
}

void Optimizer::check_groups(const StateDict& dict) const {
  StateDict reference;
  save_groups(reference);
  for (const auto& [key, value] : dict) {
    if (key.compare(0, 13, "param_groups.") == 0 && !reference.contains(key)) {
      fail("unexpected key '" + key + "' (this optimizer has " + std::to_string(num_param_groups()) +
           " parameter group(s))");
    }
  }
  for (size_t g = 0; g < num_param_groups(); ++g) {
    std::string prefix = "param_groups." + std::to_string(g) + ".";
    const Tensor* indices = dict.find(prefix + "params");
    const Tensor& mine = reference.at(prefix + "params");
    if (!indices) fail("missing '" + prefix + "params'");
    if (indices->dtype() != kInt64 || indices->shape() != mine.shape() || indices->to_vector() != mine.to_vector()) {
      fail("'" + prefix + "params' is " + describe(*indices) + " " + (indices->defined() ? indices->to_string() : "") +
           ", but this optimizer's group " + std::to_string(g) + " holds parameters " + mine.to_string());
    }
    check_group_options(g, dict, prefix);
  }
}

void Optimizer::load_groups(const StateDict& dict) {
  for (size_t g = 0; g < num_param_groups(); ++g) {
    load_group_options(g, dict, "param_groups." + std::to_string(g) + ".");
  }
}

StateDict Optimizer::state_dict() const {
  Slots slots = const_cast<Optimizer*>(this)->state_slots();
  StateDict out;
  for (size_t i = 0; i < params_.size(); ++i) {
    std::string prefix = "state." + std::to_string(i) + ".";
    for (const CountSlot& s : slots.counts) {
      out.insert(prefix + s.name, scalar_tensor(static_cast<double>((*s.values)[i]), kInt64));
    }
    for (const TensorSlot& s : slots.tensors) {
      const Tensor& t = (*s.values)[i];
      if (t.defined()) out.insert(prefix + s.name, t.clone());
    }
  }
  save_groups(out);
  return out;
}

void Optimizer::load_state_dict(const StateDict& dict) {
  Slots slots = state_slots();
  // 1. Check everything.
  for (const auto& [key, value] : dict) {
    size_t i = 0;
    std::string rest;
    if (key.compare(0, 13, "param_groups.") == 0) continue;  // check_groups
    if (!parse_indexed(key, "state.", i, rest)) fail("unexpected key '" + key + "'");
    if (i >= params_.size()) {
      fail("'" + key + "' is for parameter " + std::to_string(i) + ", but this optimizer has " +
           std::to_string(params_.size()) + " parameters");
    }
    bool known = false;
    for (const CountSlot& s : slots.counts) {
      if (rest != s.name) continue;
      known = true;
      if (!value.defined() || value.dtype() != kInt64 || value.dim() != 0 || value.item() < 0) {
        fail("'" + key + "' must be a 0-dim int64 tensor >= 0, got " + describe(value));
      }
    }
    for (const TensorSlot& s : slots.tensors) {
      if (rest != s.name) continue;
      known = true;
      const Tensor& p = params_[i];
      if (!value.defined() || value.dtype() != p.dtype() || value.shape() != p.shape()) {
        fail("'" + key + "' is " + describe(value) + ", but parameter " + std::to_string(i) + " is " + describe(p));
      }
    }
    if (!known) fail("unexpected key '" + key + "'");
  }
  for (size_t i = 0; i < params_.size(); ++i) {
    std::string prefix = "state." + std::to_string(i) + ".";
    for (const CountSlot& s : slots.counts) {
      if (!dict.contains(prefix + s.name)) fail("missing '" + prefix + s.name + "'");
    }
    for (const TensorSlot& s : slots.tensors) {
      if (s.required && !dict.contains(prefix + s.name)) fail("missing '" + prefix + s.name + "'");
    }
  }
  check_groups(dict);
  // 2. Load.
  for (size_t i = 0; i < params_.size(); ++i) {
    std::string prefix = "state." + std::to_string(i) + ".";
    for (const CountSlot& s : slots.counts) (*s.values)[i] = static_cast<int64_t>(dict.at(prefix + s.name).item());
    for (const TensorSlot& s : slots.tensors) {
      const Tensor* t = dict.find(prefix + s.name);
      (*s.values)[i] = t ? t->clone() : Tensor();
    }
  }
  load_groups(dict);
}

}  // namespace minidl::optim

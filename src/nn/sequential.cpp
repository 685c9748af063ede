// Sequential: the container of the reports' networks.
#include "minidl/nn/sequential.h"

#include <typeinfo>

#include "minidl/nn/activation.h"
#include "minidl/nn/linear.h"
#include "minidl/ops/activation.h"

namespace minidl::nn {

namespace {

// The one place where a pair of modules runs as one op: a Linear (the class itself; a subclass
// may compute something else) followed by a ReLU, a LeakyReLU with negative_slope >= 0, a Tanh or
// a Sigmoid (final classes) is linear_relu & co. (ops/activation.h): the activation runs in place
// on the product, one node and one tensor fewer, the same numbers. Returns an undefined tensor for
// any other pair, and when x does not fit the Linear, so that calling the modules one by one
// raises the error with the Linear's path.
Tensor linear_then_activation(const Module& first, const Module& next, const Tensor& x) {
  if (typeid(first) != typeid(Linear)) return Tensor();
  const auto& linear = static_cast<const Linear&>(first);
  if (!x.defined() || x.dim() == 0 || x.shape().back() != linear.in_features()) return Tensor();
  const Tensor &w = linear.weight(), &b = linear.bias();
  if (typeid(next) == typeid(ReLU)) return linear_relu(x, w, b);
  if (typeid(next) == typeid(Tanh)) return linear_tanh(x, w, b);
  if (typeid(next) == typeid(Sigmoid)) return linear_sigmoid(x, w, b);
  if (typeid(next) == typeid(LeakyReLU)) {
    // A negative slope's derivative cannot be read from the output's sign.
    double negative_slope = static_cast<const LeakyReLU&>(next).negative_slope();
    if (negative_slope >= 0) return linear_leaky_relu(x, w, b, negative_slope);
  }
  return Tensor();
}

}  // namespace

Sequential::Sequential(std::vector<std::shared_ptr<Module>> modules) {
  for (auto& m : modules) push_back(std::move(m));
}

void Sequential::push_back(std::shared_ptr<Module> module) { add_child(std::to_string(size()), std::move(module)); }

std::shared_ptr<Module> Sequential::operator[](int64_t index) const {
  int64_t n = static_cast<int64_t>(size());
  int64_t i = index < 0 ? index + n : index;
  if (i < 0 || i >= n) {
    throw IndexError("Sequential: index " + std::to_string(index) + " is out of range for " + std::to_string(n) +
                     " modules");
  }
  return named_children()[static_cast<size_t>(i)].second;
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  const auto& children = named_children();
  for (size_t i = 0; i < children.size(); ++i) {
    // Not while summary() watches every module's output.
    Tensor fused;
    if (i + 1 < children.size() && !detail::observing_forwards()) {
      fused = linear_then_activation(*children[i].second, *children[i + 1].second, y);
    }
    if (fused.defined()) {
      y = fused;
      ++i;  // the activation has run
      continue;
    }
    try {
      y = (*children[i].second)(y);
    } catch (const ModuleShapeError& e) {
      // When the failing module is this one's child, say what the module before it produced:
      // the usual mistake is a size that does not chain.
      std::string here = detail::current_module_path(this);
      if (here.empty() || e.path != here + "." + children[i].first || i == 0) throw;
      std::string before_path = here + "." + children[i - 1].first;
      throw ModuleShapeError(std::string(e.what()) + "\n  the module before it, '" + before_path + "' " +
                                 children[i - 1].second->repr() + ", outputs shape " + to_string(y.shape()),
                             e.path);
    }
  }
  return y;
}

}  // namespace minidl::nn

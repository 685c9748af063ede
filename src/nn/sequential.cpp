// Sequential: the container of the reports' networks.
#include "minidl/nn/sequential.h"

namespace minidl::nn {

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
    // A module followed by an activation module gets both in one call, so that a Linear applies
    // the activation in its own pass: one node and one tensor fewer, the same numbers. Not while
    // summary() watches every module's output.
    std::optional<Activation> then;
    if (i + 1 < children.size() && !detail::observing_forwards()) then = children[i + 1].second->as_activation();
    try {
      y = then ? (*children[i].second)(y, *then) : (*children[i].second)(y);
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
    if (then) ++i;  // the activation has run
  }
  return y;
}

}  // namespace minidl::nn

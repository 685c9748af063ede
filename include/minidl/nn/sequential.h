// Sequential: children "0", "1", ... called in order, each on the previous one's output.
#pragma once

#include <memory>
#include <vector>

#include "minidl/nn/module.h"

namespace minidl::nn {

// x -> modules[n-1](... modules[0](x)). Nestable; the same module may appear twice (its
// gradients then add up).
class Sequential : public Module {
 public:
  Sequential() = default;
  explicit Sequential(std::vector<std::shared_ptr<Module>> modules);

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Sequential"; }

  void push_back(std::shared_ptr<Module> module);  // named std::to_string(size())
  size_t size() const { return named_children().size(); }
  // Negative indices count from the end; out of range is an IndexError.
  std::shared_ptr<Module> operator[](int64_t index) const;
  // The child as its own type: `model.at<Linear>(0)->weight()`; a ValueError if it is not an M.
  template <class M>
  std::shared_ptr<M> at(int64_t index) const {
    auto typed = std::dynamic_pointer_cast<M>((*this)[index]);
    if (!typed) throw ValueError("Sequential::at: child " + std::to_string(index) + " is a " + (*this)[index]->type_name());
    return typed;
  }
};

// The terse builder: nn::sequential(nn::linear(2, 25, gen), nn::relu(), ...).
template <class... M>
std::shared_ptr<Sequential> sequential(std::shared_ptr<M>... modules) {
  return std::make_shared<Sequential>(std::vector<std::shared_ptr<Module>>{std::move(modules)...});
}

}  // namespace minidl::nn

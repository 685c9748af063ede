// SGD with momentum, dampening, Nesterov momentum and L2 weight decay, as torch.optim.SGD (1.13):
//   g = grad + weight_decay p
//   buf = g on the first step, else momentum buf + (1 - dampening) g
//   p -= lr (nesterov ? g + momentum buf : buf)        (p -= lr g without momentum)
#pragma once

#include "minidl/optim/optimizer.h"

namespace minidl::optim {

struct SGDOptions {
  double lr = 0.01;  // PyTorch requires lr; minidl defaults it to 0.01
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;

  template <class V> void visit(V&& v) {
    v("lr", lr);
    v("momentum", momentum);
    v("dampening", dampening);
    v("weight_decay", weight_decay);
    v("nesterov", nesterov);
  }
};

class SGD : public OptimizerOf<SGDOptions> {
 public:
  using Options = SGDOptions;
  SGD(std::vector<Tensor> params, Options options = {});
  explicit SGD(std::vector<Group> groups);

  using Optimizer::step;
  void step() override;
  void reset() override;

  // The momentum buffer of parameter i; undefined before its first step with momentum.
  const Tensor& momentum_buffer(size_t i) const { return momentum_buffer_.at(i); }

 private:
  static void validate(const Options& o);
  Slots state_slots() override { return {{{"momentum_buffer", &momentum_buffer_, false}}, {}}; }

  std::vector<Tensor> momentum_buffer_;
};

}  // namespace minidl::optim

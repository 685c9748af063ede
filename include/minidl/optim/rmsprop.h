// RMSprop (Hinton's lecture 6e; centered form of Graves 2013), as torch.optim.RMSprop (1.13):
//   g = grad + weight_decay p;   v = alpha v + (1 - alpha) g^2
//   centered: a = alpha a + (1 - alpha) g;  avg = sqrt(v - a^2) + eps;  else avg = sqrt(v) + eps
//   momentum > 0: buf = momentum buf + g / avg; p -= lr buf;   else p -= lr g / avg
#pragma once

#include "minidl/optim/optimizer.h"

namespace minidl::optim {

struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0;
  double momentum = 0;
  bool centered = false;

  template <class V> void visit(V&& v) {
    v("lr", lr);
    v("alpha", alpha);
    v("eps", eps);
    v("weight_decay", weight_decay);
    v("momentum", momentum);
    v("centered", centered);
  }
};

class RMSprop : public OptimizerOf<RMSpropOptions> {
 public:
  using Options = RMSpropOptions;
  RMSprop(std::vector<Tensor> params, Options options = {});
  explicit RMSprop(std::vector<Group> groups);

  using Optimizer::step;
  void step() override;
  void reset() override;

  int64_t step_count(size_t i) const { return step_.at(i); }

 private:
  static void validate(const Options& o);
  Slots state_slots() override {
    return {{{"square_avg", &square_avg_, true}, {"momentum_buffer", &momentum_buffer_, false},
             {"grad_avg", &grad_avg_, false}},
            {{"step", &step_}}};
  }

  std::vector<int64_t> step_;
  std::vector<Tensor> square_avg_;
  std::vector<Tensor> momentum_buffer_, grad_avg_;  // made (zeros) when momentum > 0 / centered
};

}  // namespace minidl::optim

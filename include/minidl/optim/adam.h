// Adam (Kingma & Ba 2015) and AdamW (Loshchilov & Hutter 2019), as torch.optim.Adam/AdamW (1.13):
//   g = grad (+ weight_decay p for Adam: L2 in the gradient)
//   p *= 1 - lr weight_decay                              (AdamW only: decoupled decay)
//   m = beta1 m + (1 - beta1) g;   v = beta2 v + (1 - beta2) g^2;   vmax = max(vmax, v) (amsgrad)
//   p -= lr / (1 - beta1^t) * m / (sqrt(v or vmax) / sqrt(1 - beta2^t) + eps)   (eps outside sqrt)
// reset() restarts the moments and step counts (report 004's "Adam with restart").
#pragma once

#include <array>

#include "minidl/optim/optimizer.h"

namespace minidl::optim {

// How weight_decay enters the step: added to the gradient (Adam's L2 penalty) or applied to the
// parameter apart from the moments (AdamW's decoupled decay). It is the only difference.
enum class WeightDecay { l2, decoupled };

// Adam's and AdamW's options: the same fields; AdamW's weight_decay defaults to 1e-2, as PyTorch.
template <WeightDecay kDecay>
struct AdamOptionsOf {
  double lr = 1e-3;
  std::array<double, 2> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = kDecay == WeightDecay::decoupled ? 1e-2 : 0;
  bool amsgrad = false;

  template <class V> void visit(V&& v) {
    v("lr", lr);
    v("betas", betas);
    v("eps", eps);
    v("weight_decay", weight_decay);
    v("amsgrad", amsgrad);
  }
};
using AdamOptions = AdamOptionsOf<WeightDecay::l2>;
using AdamWOptions = AdamOptionsOf<WeightDecay::decoupled>;

// One implementation, two names: Adam (L2 decay) and AdamW (decoupled decay), below.
template <WeightDecay kDecay>
class AdamOf : public OptimizerOf<AdamOptionsOf<kDecay>> {
 public:
  using Options = AdamOptionsOf<kDecay>;
  using Group = ParamGroup<Options>;
  AdamOf(std::vector<Tensor> params, Options options = {});
  explicit AdamOf(std::vector<Group> groups);

  using Optimizer::step;
  void step() override;
  void reset() override;

  int64_t step_count(size_t i) const { return step_.at(i); }
  const Tensor& exp_avg(size_t i) const { return exp_avg_.at(i); }
  const Tensor& exp_avg_sq(size_t i) const { return exp_avg_sq_.at(i); }

 private:
  static void validate(const Options& o);
  Optimizer::Slots state_slots() override;

  std::vector<int64_t> step_;
  std::vector<Tensor> exp_avg_, exp_avg_sq_, max_exp_avg_sq_;  // max_exp_avg_sq_: amsgrad only
};

extern template class AdamOf<WeightDecay::l2>;
extern template class AdamOf<WeightDecay::decoupled>;
using Adam = AdamOf<WeightDecay::l2>;
using AdamW = AdamOf<WeightDecay::decoupled>;

}  // namespace minidl::optim

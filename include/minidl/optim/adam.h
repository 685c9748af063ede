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

struct AdamOptions {
  double lr = 1e-3;
  std::array<double, 2> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 0;
  bool amsgrad = false;

  template <class V> void visit(V&& v) {
    v("lr", lr);
    v("betas", betas);
    v("eps", eps);
    v("weight_decay", weight_decay);
    v("amsgrad", amsgrad);
  }
};

// AdamW's options differ from Adam's only in the default weight_decay (1e-2, as PyTorch).
struct AdamWOptions {
  double lr = 1e-3;
  std::array<double, 2> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 1e-2;
  bool amsgrad = false;

  template <class V> void visit(V&& v) {
    v("lr", lr);
    v("betas", betas);
    v("eps", eps);
    v("weight_decay", weight_decay);
    v("amsgrad", amsgrad);
  }
};

class Adam : public OptimizerOf<AdamOptions> {
 public:
  using Options = AdamOptions;
  Adam(std::vector<Tensor> params, Options options = {});
  explicit Adam(std::vector<Group> groups);

  using Optimizer::step;
  void step() override;
  void reset() override;

  int64_t step_count(size_t i) const { return step_.at(i); }
  const Tensor& exp_avg(size_t i) const { return exp_avg_.at(i); }
  const Tensor& exp_avg_sq(size_t i) const { return exp_avg_sq_.at(i); }

 private:
  static void validate(const Options& o);
  Slots state_slots() override;

  std::vector<int64_t> step_;
  std::vector<Tensor> exp_avg_, exp_avg_sq_, max_exp_avg_sq_;  // max_exp_avg_sq_: amsgrad only
};

class AdamW : public OptimizerOf<AdamWOptions> {
 public:
  using Options = AdamWOptions;
  AdamW(std::vector<Tensor> params, Options options = {});
  explicit AdamW(std::vector<Group> groups);

  using Optimizer::step;
  void step() override;
  void reset() override;

  int64_t step_count(size_t i) const { return step_.at(i); }

 private:
  static void validate(const Options& o);
  Slots state_slots() override;

  std::vector<int64_t> step_;
  std::vector<Tensor> exp_avg_, exp_avg_sq_, max_exp_avg_sq_;
};

}  // namespace minidl::optim

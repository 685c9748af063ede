// Dropout: inverted dropout (kept values scaled by 1/(1-p)) in training mode, the identity in
// eval mode. Randomness comes from the module's own seeded Generator, or a shared one.
#pragma once

#include <memory>

#include "minidl/nn/module.h"
#include "minidl/random.h"

namespace minidl::nn {

// y = x * mask / (1 - p), mask ~ Bernoulli(1 - p) elementwise, drawn from gen. p in [0, 1];
// p = 1 gives zeros (as PyTorch). Throws ValueError for p outside [0, 1].
Tensor dropout(const Tensor& x, double p, Generator& gen);
// The same with a given mask (0 or 1 in x's shape and dtype): for tests against PyTorch's masks.
Tensor dropout_with_mask(const Tensor& x, const Tensor& mask, double p);

// x: any shape -> y: the same shape
class Dropout : public Module {
 public:
  // NOTE: two Dropouts built with the same seed draw the same masks; give each its own seed or
  // share one Generator.
  explicit Dropout(double p = 0.5, uint64_t seed = 0);
  Dropout(double p, std::shared_ptr<Generator> generator);

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Dropout"; }
  std::string extra_repr() const override;  // "p=0.5"
  double p() const { return p_; }
  // The mask generator (its state goes into training checkpoints, for an exact resume).
  Generator& generator() const { return *gen_; }

 private:
  double p_;
  std::shared_ptr<Generator> gen_;
};

std::shared_ptr<Dropout> dropout(double p = 0.5, uint64_t seed = 0);

}  // namespace minidl::nn

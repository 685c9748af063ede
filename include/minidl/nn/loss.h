// Loss modules: PyTorch's nn.*Loss classes as small callables holding their options, calling the
// functional losses of ops/loss.h. They take (input, target), so they are not Modules (a Module
// maps one tensor to one tensor) and hold no parameters.
#pragma once

#include <string>

#include "minidl/ops/loss.h"

namespace minidl::nn {

class Loss {
 public:
  explicit Loss(Reduction reduction = Reduction::mean) : reduction_(reduction) {}
  virtual ~Loss() = default;
  virtual Tensor operator()(const Tensor& input, const Tensor& target) const = 0;
  virtual std::string type_name() const = 0;
  virtual std::string extra_repr() const { return "reduction=" + to_string(reduction_); }
  std::string repr() const { return type_name() + "(" + extra_repr() + ")"; }  // "MSELoss(reduction=mean)"
  Reduction reduction() const { return reduction_; }

 protected:
  Reduction reduction_;
};

// (x - y)^2
class MSELoss : public Loss {
 public:
  using Loss::Loss;
  Tensor operator()(const Tensor& input, const Tensor& target) const override {
    return mse_loss(input, target, reduction_);
  }
  std::string type_name() const override { return "MSELoss"; }
};

// |x - y| (MAE)
class L1Loss : public Loss {
 public:
  using Loss::Loss;
  Tensor operator()(const Tensor& input, const Tensor& target) const override { return l1_loss(input, target, reduction_); }
  std::string type_name() const override { return "L1Loss"; }
};

// input: probabilities (after a Sigmoid)
class BCELoss : public Loss {
 public:
  using Loss::Loss;
  Tensor operator()(const Tensor& input, const Tensor& target) const override {
    return binary_cross_entropy(input, target, reduction_);
  }
  std::string type_name() const override { return "BCELoss"; }
};

// input: logits (no Sigmoid before it): stable for any logit. Several outputs per example (one-hot
// rows, for instance) are targets of the input's shape; pos_weight (C) scales each output's positives.
class BCEWithLogitsLoss : public Loss {
 public:
  explicit BCEWithLogitsLoss(Reduction reduction = Reduction::mean) : Loss(reduction) {}
  explicit BCEWithLogitsLoss(const BCEWithLogitsLossOptions& options);  // BCEWithLogitsLoss({.pos_weight = w})
  Tensor operator()(const Tensor& input, const Tensor& target) const override {
    return binary_cross_entropy_with_logits(input, target, {.reduction = reduction_, .pos_weight = pos_weight_});
  }
  std::string type_name() const override { return "BCEWithLogitsLoss"; }
  std::string extra_repr() const override;  // "reduction=mean", then ", pos_weight=[1, 3]" when set
  const Tensor& pos_weight() const { return pos_weight_; }

 private:
  Tensor pos_weight_;
};

// logits (N, C) with int64 classes (N) or probability / one-hot targets (N, C); class weights and
// ignore_index as ops/loss.h's CrossEntropyLossOptions.
class CrossEntropyLoss : public Loss {
 public:
  explicit CrossEntropyLoss(Reduction reduction = Reduction::mean, double label_smoothing = 0.0);
  // CrossEntropyLoss({.weight = w, .ignore_index = 0})
  explicit CrossEntropyLoss(const CrossEntropyLossOptions& options);
  Tensor operator()(const Tensor& input, const Tensor& target) const override {
    return cross_entropy(input, target, options());
  }
  std::string type_name() const override { return "CrossEntropyLoss"; }
  // "reduction=mean, label_smoothing=0.1", then ", weight=[1, 2], ignore_index=0" when set
  std::string extra_repr() const override;
  double label_smoothing() const { return label_smoothing_; }
  const Tensor& weight() const { return weight_; }
  int64_t ignore_index() const { return ignore_index_; }
  CrossEntropyLossOptions options() const { return {reduction_, weight_, ignore_index_, label_smoothing_}; }

 private:
  double label_smoothing_;
  Tensor weight_;
  int64_t ignore_index_ = -100;
};

// log-probabilities (N, C) (after a LogSoftmax) with int64 classes (N); weight and ignore_index as
// CrossEntropyLoss.
class NLLLoss : public Loss {
 public:
  explicit NLLLoss(Reduction reduction = Reduction::mean) : Loss(reduction) {}
  explicit NLLLoss(const NLLLossOptions& options);  // NLLLoss({.weight = w, .ignore_index = 0})
  Tensor operator()(const Tensor& input, const Tensor& target) const override {
    return nll_loss(input, target, {.reduction = reduction_, .weight = weight_, .ignore_index = ignore_index_});
  }
  std::string type_name() const override { return "NLLLoss"; }
  std::string extra_repr() const override;  // "reduction=mean", then ", weight=[1, 2], ignore_index=0" when set
  const Tensor& weight() const { return weight_; }
  int64_t ignore_index() const { return ignore_index_; }

 private:
  Tensor weight_;
  int64_t ignore_index_ = -100;
};

}  // namespace minidl::nn

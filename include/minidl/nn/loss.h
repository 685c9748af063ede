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

// input: logits (no Sigmoid before it): stable for any logit
class BCEWithLogitsLoss : public Loss {
 public:
  using Loss::Loss;
  Tensor operator()(const Tensor& input, const Tensor& target) const override {
    return binary_cross_entropy_with_logits(input, target, reduction_);
  }
  std::string type_name() const override { return "BCEWithLogitsLoss"; }
};

// logits (N, C) with int64 classes (N) or probability / one-hot targets (N, C)
class CrossEntropyLoss : public Loss {
 public:
  explicit CrossEntropyLoss(Reduction reduction = Reduction::mean, double label_smoothing = 0.0);
  Tensor operator()(const Tensor& input, const Tensor& target) const override {
    return cross_entropy(input, target, reduction_, label_smoothing_);
  }
  std::string type_name() const override { return "CrossEntropyLoss"; }
  std::string extra_repr() const override;  // "reduction=mean, label_smoothing=0.1"
  double label_smoothing() const { return label_smoothing_; }

 private:
  double label_smoothing_;
};

// log-probabilities (N, C) (after a LogSoftmax) with int64 classes (N)
class NLLLoss : public Loss {
 public:
  using Loss::Loss;
  Tensor operator()(const Tensor& input, const Tensor& target) const override { return nll_loss(input, target, reduction_); }
  std::string type_name() const override { return "NLLLoss"; }
};

}  // namespace minidl::nn

// Standardizer: per-feature zero mean and unit variance, fit on the training split and applied to
// every split; its statistics go into the model's checkpoint through state_dict().
#pragma once

#include "minidl/data/dataset.h"
#include "minidl/state_dict.h"
#include "minidl/tensor.h"

namespace minidl::data {

class Standardizer {
 public:
  Standardizer() = default;

  // x: float (N, F), N >= 2. mean and std per feature, computed in float64. std is the unbiased
  // one (divides by N - 1), as torch.Tensor.std's default (the reports call x.std(0)). A feature
  // with std 0 is a DataError: it cannot be scaled.
  void fit(const Tensor& x);
  static Standardizer fitted_on(const Tensor& x);

  // x: float (N, F) -> (x - mean) / std in x's dtype. Needs fit() or load_state_dict().
  Tensor transform(const Tensor& x) const;
  // The same TensorDataset with transformed inputs (labels and targets shared).
  TensorDataset transform(const TensorDataset& dataset) const;

  bool fitted() const { return mean_.defined(); }
  int64_t num_features() const { return fitted() ? mean_.numel() : 0; }
  const Tensor& mean() const { return mean_; }  // float64 (F)
  const Tensor& std() const { return std_; }    // float64 (F)

  // {"mean": float64 (F), "std": float64 (F)}; load checks shapes, dtypes and std > 0.
  StateDict state_dict() const;
  void load_state_dict(const StateDict& state);

 private:
  Tensor mean_, std_;
};

}  // namespace minidl::data

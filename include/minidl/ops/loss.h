// Loss functions (PyTorch's torch.nn.functional names and formulas), each with a fused backward
// for input and target. The nn::*Loss modules wrap these.
#pragma once

#include <string>

#include "minidl/tensor.h"

namespace minidl {

// none: one loss per element (per row for cross_entropy / nll_loss); sum; mean (the default).
enum class Reduction { none, mean, sum };
std::string to_string(Reduction reduction);  // "none", "mean", "sum"

// input, target: the same shape (no broadcasting: PyTorch broadcasts (N, 1) against (N) with only
// a warning, a classic silent bug; minidl throws a ShapeError) -> () or input's shape.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);  // (x - y)^2
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);   // |x - y|; l1'(0) = 0
// input: probabilities in [0, 1] (a ValueError otherwise). -(y log x + (1 - y) log(1 - x)), each
// log clamped at -100 as PyTorch, so x = 0 or 1 gives a finite loss.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);
// input: logits. max(x, 0) - x y + log(1 + exp(-|x|)): stable for any |x|.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        Reduction reduction = Reduction::mean);

// input: logits (N, C). target: int64 class indices (N), or float class probabilities (N, C)
// (one-hot rows, for instance) -> () or (N). Computed as a fused, stable log_softmax + nll.
// label_smoothing in [0, 1] mixes the target with the uniform distribution, as PyTorch 1.13:
// q = (1 - label_smoothing) target + label_smoothing / C. 'mean' divides by N in both cases.
// Sequences and maps as PyTorch: input (N, C, d1, ..., dk), e.g. (N, C, T), with target int64
// (N, d1, ..., dk) or probabilities of input's shape -> () or (N, d1, ..., dk); 'mean' averages
// over all N d1 ... dk positions.
// Class weights and ignore_index: the CrossEntropyLossOptions overload below.
Tensor cross_entropy(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean,
                     double label_smoothing = 0.0);
// input: log-probabilities (N, C), target: int64 (N) -> -input[i, target[i]], () or (N).
Tensor nll_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);

// ---- options (PyTorch's keyword arguments) ----------------------------------------------------
// weight: (C), the loss of a target of class c is scaled by weight[c]; undefined means all 1.
// Not differentiated (as PyTorch). ignore_index: a class-index target equal to it adds 0 to the
// loss and gets a zero gradient, and may lie outside [0, C) (PyTorch's default -100); every other
// index must be in [0, C). 'mean' divides by the sum of weight[target] over the targets not
// ignored (their count without weights), so the mean of an all-ignored batch is nan, as PyTorch.
// With probability targets ignore_index does not apply, the loss of a row is
// -sum_c weight[c] q[c] logp[c] and 'mean' divides by the number of rows, as PyTorch 1.13.
struct CrossEntropyLossOptions {
  Reduction reduction = Reduction::mean;
  Tensor weight = Tensor();  // (C) or undefined
  int64_t ignore_index = -100;
  double label_smoothing = 0.0;  // with weights: -(1 - eps) w[t] logp[t] - eps / C sum_c w[c] logp[c]
};
Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyLossOptions& options);

struct NLLLossOptions {
  Reduction reduction = Reduction::mean;
  Tensor weight = Tensor();  // (C) or undefined
  int64_t ignore_index = -100;
};
// -weight[t] input[i, t], with ignore_index and 'mean' as cross_entropy.
Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossOptions& options);

// pos_weight: (C) over input's last dimension (input (N, C), or (..., C)): the loss of a positive
// target is scaled by it, PyTorch's (1 - y) x + (1 + (pos_weight - 1) y) log(1 + exp(-x)).
// Not differentiated (as PyTorch). Multi-output targets (one-hot rows, for instance) are simply
// targets of input's shape (N, C); 'mean' averages over all N C elements, as PyTorch.
struct BCEWithLogitsLossOptions {
  Reduction reduction = Reduction::mean;
  Tensor pos_weight = Tensor();  // (C) or undefined
};
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BCEWithLogitsLossOptions& options);

}  // namespace minidl

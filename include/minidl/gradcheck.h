// gradcheck: compares the gradients autograd computes with central finite differences, in
// float64. The loss is sum(fn(inputs) * r) with a fixed random r, so a transposed or permuted
// gradient is unlikely to pass. Defaults are PyTorch 1.13's gradcheck ones.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "minidl/tensor.h"

namespace minidl {

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-3;
  int64_t max_checks_per_input = 200;  // larger inputs: this many random entries
  uint64_t seed = 0;
};

struct GradcheckResult {
  bool ok = true;
  int input = -1;        // the worst element: which input,
  int64_t index = -1;    // its flat index,
  double analytic = 0;   // what backward gave
  double numeric = 0;    // and what central differences gave
  int64_t checked = 0;   // how many elements were compared
  std::string message;   // "input 1 element 5: analytic 0.25, numeric 0.5"
};

using GradcheckFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Floating inputs must be float64; inputs that are int64 (indices) are passed through unchecked.
GradcheckResult gradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options = {});

}  // namespace minidl

// The one finite-difference checker every op and module test calls: wraps minidl::gradcheck in a
// gtest assertion that prints the worst element (input, index, analytic, numeric).
#pragma once

#include <gtest/gtest.h>

#include "minidl/gradcheck.h"

namespace minidl::testing {

inline void expect_gradients_match(const GradcheckFn& fn, const std::vector<Tensor>& inputs,
                                   const GradcheckOptions& options = {}) {
  GradcheckResult r = gradcheck(fn, inputs, options);
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_GT(r.checked, 0) << "gradcheck compared nothing: no float64 input";
}

// Values in [lo, hi) with |v| >= margin: inputs away from kinks (relu and abs at 0).
inline Tensor away_from_zero(const Shape& shape, Generator& gen, double margin = 0.1, double scale = 2.0) {
  Tensor x = uniform(shape, margin, scale, gen, kFloat64);
  double* p = x.data<double>();
  for (int64_t i = 0; i < x.numel(); ++i) {
    if (gen.uniform() < 0.5) p[i] = -p[i];
  }
  return x;
}

}  // namespace minidl::testing

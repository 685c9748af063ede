// gradcheck: analytic gradients of L = sum(fn(x) * r) against central differences.
#include "minidl/gradcheck.h"

#include <cmath>
#include <cstdio>

#include "minidl/autograd/node.h"
#include "minidl/error.h"
#include "minidl/ops/elementwise.h"
#include "minidl/ops/reduce.h"
#include "minidl/random.h"

namespace minidl {

GradcheckResult gradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs, const GradcheckOptions& options) {
  std::vector<Tensor> leaves;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& x = inputs[i];
    if (!x.defined()) {
      leaves.push_back(x);
      continue;
    }
    if (x.dtype() == kFloat32) {
      throw DtypeError("gradcheck: input " + std::to_string(i) + " is float32; finite differences need float64");
    }
    Tensor leaf = x.detach().clone();
    if (x.dtype() == kFloat64) leaf.requires_grad_();
    leaves.push_back(leaf);
  }

  Generator gen(options.seed);
  Tensor r;
  auto loss = [&]() {
    Tensor y = fn(leaves);
    if (!r.defined()) r = randn(y.shape(), gen, kFloat64);
    return sum(mul(y, r));
  };
  loss().backward();

  GradcheckResult result;
  double worst_excess = -INFINITY;
  for (size_t i = 0; i < leaves.size(); ++i) {
    Tensor& x = leaves[i];
    if (!x.defined() || x.dtype() != kFloat64) continue;
    Tensor g = x.grad();
    int64_t n = x.numel();
    std::vector<int64_t> positions;
    if (n <= options.max_checks_per_input) {
      for (int64_t k = 0; k < n; ++k) positions.push_back(k);
    } else {
      for (int64_t k = 0; k < options.max_checks_per_input; ++k) positions.push_back(static_cast<int64_t>(gen.below(n)));
    }
    double* p = x.data<double>();
    for (int64_t k : positions) {
      double saved = p[k], plus, minus;
      {
        autograd::NoGradGuard no_grad;
        p[k] = saved + options.eps;
        plus = loss().item();
        p[k] = saved - options.eps;
        minus = loss().item();
        p[k] = saved;
      }
      double numeric = (plus - minus) / (2 * options.eps);
      double analytic = g.defined() ? g.data<double>()[k] : 0.0;
      double excess = std::fabs(analytic - numeric) - (options.atol + options.rtol * std::fabs(numeric));
      if (std::isnan(analytic) || std::isnan(numeric)) excess = INFINITY;
      ++result.checked;
      if (excess > worst_excess) {
        worst_excess = excess;
        result.input = static_cast<int>(i);
        result.index = k;
        result.analytic = analytic;
        result.numeric = numeric;
      }
    }
  }
  result.ok = worst_excess <= 0;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s: worst element is input %d element %lld: analytic %.10g, numeric %.10g (%lld checked)",
                result.ok ? "gradients match" : "gradients differ", result.input,
                static_cast<long long>(result.index), result.analytic, result.numeric,
                static_cast<long long>(result.checked));
  result.message = buf;
  return result;
}

}  // namespace minidl

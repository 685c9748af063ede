// Strong-Wolfe line search, ported from torch/optim/lbfgs.py (_strong_wolfe, _cubic_interpolate;
// originally minFunc's / torch7's lswolfe.lua). LBFGS and BFGS use it on flat float64 vectors.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

namespace minidl::optim {

// The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to `bounds`
// (default [min(x1, x2), max(x1, x2)]); the bounds' midpoint when the cubic has no minimum.
double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2,
                         std::optional<std::pair<double, double>> bounds = std::nullopt);

struct LineSearchResult {
  double f;               // loss at the accepted step
  std::vector<double> g;  // flat gradient at the accepted step
  double t;               // the accepted step length
  int64_t evals;          // objective evaluations made
};

// Loss and flat gradient at x + t d (the callee restores x afterwards).
using DirectionalObjective = std::function<std::pair<double, std::vector<double>>(double t)>;

// Finds t satisfying f(x + t d) <= f + c1 t gtd and |g(x + t d) . d| <= -c2 gtd, starting from
// `t`, given f, g at x and gtd = g . d < 0.
LineSearchResult strong_wolfe(const DirectionalObjective& obj, double t, const std::vector<double>& d, double f,
                              const std::vector<double>& g, double gtd, double c1 = 1e-4, double c2 = 0.9,
                              double tolerance_change = 1e-9, int64_t max_ls = 25);

}  // namespace minidl::optim

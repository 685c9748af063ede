// Dense BFGS: the inverse-Hessian update and the direction d = -H g inside the shared
// quasi-Newton loop (quasi_newton.cpp).
#include "minidl/optim/bfgs.h"

#include <algorithm>

#include "../blas.h"
#include "flat.h"
#include "quasi_newton.h"

namespace minidl::optim {

bool bfgs_update(std::vector<double>& H, const std::vector<double>& s, const std::vector<double>& y, double eps) {
  const size_t n = s.size();
  const double ys = detail::dot(y, s);
  if (!(ys > eps)) return false;
  const double rho = 1 / ys;
  // Expanded for symmetric H: H' = H - rho (s (Hy)^T + (Hy) s^T) + (rho^2 y^T H y + rho) s s^T,
  // as two rank-1 BLAS updates: H += s u^T with u = c s - rho Hy, then H -= rho Hy s^T.
  const int64_t m = static_cast<int64_t>(n);
  std::vector<double> Hy(n, 0.0);
  blas::gemv(false, m, m, 1.0, H.data(), m, y.data(), 0.0, Hy.data());
  const double yHy = detail::dot(y, Hy);
  const double c = rho * rho * yHy + rho;
  std::vector<double> u(n);
  for (size_t i = 0; i < n; ++i) u[i] = c * s[i] - rho * Hy[i];
  blas::ger(m, m, 1.0, s.data(), u.data(), H.data(), m);
  blas::ger(m, m, -rho, Hy.data(), s.data(), H.data(), m);
  return true;
}

BFGS::BFGS(std::vector<Tensor> params, Options options)
    : OptimizerOf("BFGS", std::vector<Group>{{std::move(params), options}}, &BFGS::validate) {
  Options& o = groups_[0].options;
  if (o.max_eval == 0) o.max_eval = std::max<int64_t>(1, o.max_iter * 5 / 4);
}

void BFGS::validate(const Options& o) {
  detail::check_quasi_newton_options("BFGS", o);
  detail::require(o.c1 > 0 && o.c1 < 1, "BFGS", "c1", "in (0, 1)", o.c1);
  detail::require(o.c2 > o.c1 && o.c2 < 1, "BFGS", "c2", "in (c1, 1)", o.c2);
  detail::require(o.curvature_eps >= 0, "BFGS", "curvature_eps", ">= 0", o.curvature_eps);
}

void BFGS::step() { detail::throw_needs_closure("BFGS"); }

void BFGS::reset() {
  state_ = {};
  H_.clear();
  updates_ = 0;
}

void BFGS::direction(const std::vector<double>& flat_grad) {
  const size_t n = flat_grad.size();
  if (state_.n_iter == 1) {
    H_.assign(n * n, 0.0);
    for (size_t i = 0; i < n; ++i) H_[i * n + i] = 1;
    updates_ = 0;
  } else {
    std::vector<double> s(n), y(n);
    for (size_t i = 0; i < n; ++i) {
      s[i] = state_.d[i] * state_.t;
      y[i] = flat_grad[i] - state_.prev_flat_grad[i];
    }
    const double ys = detail::dot(y, s);
    if (ys > options().curvature_eps) {
      if (updates_ == 0) {
        const double scale = ys / detail::dot(y, y);
        for (size_t i = 0; i < n; ++i) H_[i * n + i] = scale;
      }
      bfgs_update(H_, s, y, options().curvature_eps);
      updates_ += 1;
    }
  }
  state_.d.assign(n, 0.0);
  const int64_t m = static_cast<int64_t>(n);
  blas::gemv(false, m, m, -1.0, H_.data(), m, flat_grad.data(), 0.0, state_.d.data());  // d = -H g
}

Tensor BFGS::step(const Closure& closure) {
  const Options& o = groups_[0].options;
  detail::QuasiNewtonSettings settings{o.lr, o.max_iter, o.max_eval, o.tolerance_grad, o.tolerance_change,
                                       o.line_search_fn == LineSearch::strong_wolfe, o.c1, o.c2};
  return detail::quasi_newton_step(params_, closure, settings, state_,
                                   [this](const std::vector<double>& g) { direction(g); });
}

StateDict BFGS::state_dict() const {
  StateDict out;
  const int64_t n = detail::total_numel(params_);
  detail::save_quasi_newton_state(state_, out, [&](StateDict& own) {
    own.insert("state.0.inverse_hessian", tensor(H_, {n, n}, kFloat64));
    own.insert("state.0.updates", scalar_tensor(static_cast<double>(updates_), kInt64));
  });
  save_groups(out);
  return out;
}

void BFGS::load_state_dict(const StateDict& dict) {
  detail::load_quasi_newton(
      [this](auto&&... a) { load_own_state(a...); }, dict, detail::total_numel(params_), state_, [this] { reset(); },
      [](auto&& expect, int64_t n) {
        expect("state.0.inverse_hessian", kFloat64, {n, n});
        expect("state.0.updates", kInt64, {});
      },
      [&] {
        H_ = dict.at("state.0.inverse_hessian").to_vector();
        updates_ = static_cast<int64_t>(dict.at("state.0.updates").item());
      });
}

}  // namespace minidl::optim

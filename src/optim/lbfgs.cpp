// L-BFGS: the two-loop recursion of torch/optim/lbfgs.py (1.13) inside the shared quasi-Newton
// loop (quasi_newton.cpp).
#include "minidl/optim/lbfgs.h"

#include <algorithm>

#include "flat.h"
#include "quasi_newton.h"

namespace minidl::optim {

LBFGS::LBFGS(std::vector<Tensor> params, Options options)
    : OptimizerOf("LBFGS", std::vector<Group>{{std::move(params), options}}, &LBFGS::validate) {
  Options& o = groups_[0].options;
  if (o.max_eval == 0) o.max_eval = o.max_iter * 5 / 4;
}

void LBFGS::validate(const Options& o) {
  detail::check_quasi_newton_options("LBFGS", o);
  detail::require(o.history_size >= 1, "LBFGS", "history_size", ">= 1", static_cast<double>(o.history_size));
}

void LBFGS::step() { detail::throw_needs_closure("LBFGS"); }

void LBFGS::reset() {
  state_ = {};
  history_ = {};
}

void LBFGS::direction(const std::vector<double>& flat_grad) {
  std::vector<double>& d = state_.d;
  if (state_.n_iter == 1) {
    d.resize(flat_grad.size());
    for (size_t i = 0; i < d.size(); ++i) d[i] = -flat_grad[i];
    history_ = {};
    return;
  }
  const size_t n = flat_grad.size();
  std::vector<double> y(n), s(n);
  for (size_t i = 0; i < n; ++i) {
    y[i] = flat_grad[i] - state_.prev_flat_grad[i];
    s[i] = d[i] * state_.t;
  }
  double ys = detail::dot(y, s);
  if (ys > 1e-10) {
    if (history_.old_dirs.size() == static_cast<size_t>(options().history_size)) {
      history_.old_dirs.erase(history_.old_dirs.begin());
      history_.old_stps.erase(history_.old_stps.begin());
      history_.ro.erase(history_.ro.begin());
    }
    history_.H_diag = ys / detail::dot(y, y);  // scale of the initial Hessian approximation
    history_.old_dirs.push_back(std::move(y));
    history_.old_stps.push_back(std::move(s));
    history_.ro.push_back(1. / ys);
  }
  // Two-loop recursion: d = -H g.
  const size_t num_old = history_.old_dirs.size();
  std::vector<double> al(num_old);
  std::vector<double> q(n);
  for (size_t i = 0; i < n; ++i) q[i] = -flat_grad[i];
  for (size_t k = num_old; k-- > 0;) {
    al[k] = detail::dot(history_.old_stps[k], q) * history_.ro[k];
    const double a = -al[k];
    const std::vector<double>& yk = history_.old_dirs[k];
    for (size_t i = 0; i < n; ++i) q[i] = q[i] + a * yk[i];
  }
  for (size_t i = 0; i < n; ++i) d[i] = q[i] * history_.H_diag;
  for (size_t k = 0; k < num_old; ++k) {
    double be_k = detail::dot(history_.old_dirs[k], d) * history_.ro[k];
    const double a = al[k] - be_k;
    const std::vector<double>& sk = history_.old_stps[k];
    for (size_t i = 0; i < n; ++i) d[i] = d[i] + a * sk[i];
  }
}

Tensor LBFGS::step(const Closure& closure) {
  const Options& o = groups_[0].options;
  detail::QuasiNewtonSettings settings{o.lr, o.max_iter, o.max_eval, o.tolerance_grad, o.tolerance_change,
                                       o.line_search_fn == LineSearch::strong_wolfe};
  return detail::quasi_newton_step(params_, closure, settings, state_,
                                   [this](const std::vector<double>& g) { direction(g); });
}

namespace {

Tensor vector_tensor(const std::vector<double>& v) {
  return tensor(v, {static_cast<int64_t>(v.size())}, kFloat64);
}

Tensor matrix_tensor(const std::vector<std::vector<double>>& rows, int64_t n) {
  std::vector<double> flat;
  for (const auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  return tensor(flat, {static_cast<int64_t>(rows.size()), n}, kFloat64);
}

std::vector<std::vector<double>> matrix_rows(const Tensor& t) {
  std::vector<double> flat = t.to_vector();
  std::vector<std::vector<double>> rows;
  const int64_t n = t.size(1);
  for (int64_t r = 0; r < t.size(0); ++r) rows.emplace_back(flat.begin() + r * n, flat.begin() + (r + 1) * n);
  return rows;
}

}  // namespace

StateDict LBFGS::state_dict() const {
  StateDict out;
  const int64_t n = detail::total_numel(params_);
  detail::save_quasi_newton_state(state_, out, [&](StateDict& own) {
    own.insert("state.0.old_dirs", matrix_tensor(history_.old_dirs, n));
    own.insert("state.0.old_stps", matrix_tensor(history_.old_stps, n));
    own.insert("state.0.ro", vector_tensor(history_.ro));
    own.insert("state.0.H_diag", scalar_tensor(history_.H_diag, kFloat64));
  });
  save_groups(out);
  return out;
}

void LBFGS::load_state_dict(const StateDict& dict) {
  detail::load_quasi_newton(
      [this](auto&&... a) { load_own_state(a...); }, dict, detail::total_numel(params_), state_, [this] { reset(); },
      [&](auto&& expect, int64_t n) {
        const Tensor* dirs = dict.find("state.0.old_dirs");
        int64_t k = dirs && dirs->defined() && dirs->dim() == 2 ? dirs->size(0) : -1;
        if (k < 0 || k > options().history_size) {
          fail("'state.0.old_dirs' must be float64 (k, " + std::to_string(n) + ") with k <= history_size " +
               std::to_string(options().history_size));
        }
        expect("state.0.old_dirs", kFloat64, {k, n});
        expect("state.0.old_stps", kFloat64, {k, n});
        expect("state.0.ro", kFloat64, {k});
        expect("state.0.H_diag", kFloat64, {});
      },
      [&] {
        history_.old_dirs = matrix_rows(dict.at("state.0.old_dirs"));
        history_.old_stps = matrix_rows(dict.at("state.0.old_stps"));
        history_.ro = dict.at("state.0.ro").to_vector();
        history_.H_diag = dict.at("state.0.H_diag").item();
      });
}

}  // namespace minidl::optim

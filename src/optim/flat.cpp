// Flat float64 views of a parameter list, for the quasi-Newton optimizers.
#include "flat.h"

#include "../dispatch.h"

namespace minidl::optim::detail {

int64_t total_numel(const std::vector<Tensor>& params) {
  int64_t n = 0;
  for (const Tensor& p : params) n += p.numel();
  return n;
}

std::vector<double> gather_flat_grad(const std::vector<Tensor>& params) {
  std::vector<double> out;
  out.reserve(static_cast<size_t>(total_numel(params)));
  for (const Tensor& p : params) {
    Tensor g = p.grad();
    if (!g.defined()) {
      out.insert(out.end(), static_cast<size_t>(p.numel()), 0.0);
      continue;
    }
    minidl::detail::dispatch_float("LBFGS", g.dtype(), [&]<class T>() {
      const T* data = g.data<T>();
      for (int64_t j = 0; j < g.numel(); ++j) out.push_back(static_cast<double>(data[j]));
    });
  }
  return out;
}

std::vector<double> gather_flat_params(const std::vector<Tensor>& params) {
  std::vector<double> out;
  out.reserve(static_cast<size_t>(total_numel(params)));
  for (const Tensor& p : params) {
    minidl::detail::dispatch_float("LBFGS", p.dtype(), [&]<class T>() {
      const T* data = p.data<T>();
      for (int64_t j = 0; j < p.numel(); ++j) out.push_back(static_cast<double>(data[j]));
    });
  }
  return out;
}

void set_flat_params(const std::vector<Tensor>& params, const std::vector<double>& x) {
  size_t offset = 0;
  for (const Tensor& p : params) {
    minidl::detail::dispatch_float("LBFGS", p.dtype(), [&]<class T>() {
      T* data = p.data<T>();
      for (int64_t j = 0; j < p.numel(); ++j) data[j] = static_cast<T>(x[offset++]);
    });
  }
}

void add_to_params(const std::vector<Tensor>& params, double t, const std::vector<double>& d) {
  size_t offset = 0;
  for (const Tensor& p : params) {
    minidl::detail::dispatch_float("LBFGS", p.dtype(), [&]<class T>() {
      T* data = p.data<T>();
      const T alpha = static_cast<T>(t);
      for (int64_t j = 0; j < p.numel(); ++j) data[j] = data[j] + alpha * static_cast<T>(d[offset++]);
    });
  }
}

}  // namespace minidl::optim::detail

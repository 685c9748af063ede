// nn::init: PyTorch 1.13's torch/nn/init.py formulas over minidl's Generator.
#include "minidl/nn/init.h"

#include <cmath>
#include <string>

#include "dispatch.h"
#include "minidl/error.h"

namespace minidl::nn::init {

namespace {

template <class Sample>
Tensor fill(const char* op, Tensor x, Sample sample) {
  minidl::detail::check_defined(op, x, "tensor");
  minidl::detail::dispatch_float(op, x.dtype(), [&]<class T>() {
    T* p = x.data<T>();
    for (int64_t i = 0, n = x.numel(); i < n; ++i) p[i] = static_cast<T>(sample());
  });
  return x;
}

void check_std(const char* op, double std) {
  if (!(std >= 0) || !std::isfinite(std)) throw ValueError(std::string(op) + ": std must be >= 0, got " + std::to_string(std));
}

}  // namespace

double calculate_gain(Nonlinearity nonlinearity, double param) {
  switch (nonlinearity) {
    case Nonlinearity::linear:
    case Nonlinearity::sigmoid: return 1.0;
    case Nonlinearity::tanh: return 5.0 / 3.0;
    case Nonlinearity::relu: return std::sqrt(2.0);
    case Nonlinearity::leaky_relu: return std::sqrt(2.0 / (1.0 + param * param));
    case Nonlinearity::selu: return 3.0 / 4.0;
  }
  return 1.0;
}

Fans calculate_fan_in_and_fan_out(const Tensor& x) {
  if (!x.defined() || x.dim() < 2) {
    throw ValueError("init: fan in and fan out need a tensor of 2 or more dims, got shape " +
                     (x.defined() ? to_string(x.shape()) : std::string("undefined")));
  }
  int64_t receptive = 1;
  for (int64_t d = 2; d < x.dim(); ++d) receptive *= x.shape()[d];
  return {x.shape()[1] * receptive, x.shape()[0] * receptive};
}

Tensor uniform_(Tensor x, double a, double b, Generator& gen) {
  if (!(a <= b)) throw ValueError("init::uniform_: expected a <= b, got a = " + std::to_string(a) + ", b = " + std::to_string(b));
  return fill("init::uniform_", x, [&] { return a + (b - a) * gen.uniform(); });
}

Tensor normal_(Tensor x, double mean, double std, Generator& gen) {
  check_std("init::normal_", std);
  return fill("init::normal_", x, [&] { return mean + std * gen.normal(); });
}

Tensor constant_(Tensor x, double value) { return fill("init::constant_", x, [&] { return value; }); }
Tensor zeros_(Tensor x) { return constant_(x, 0.0); }
Tensor ones_(Tensor x) { return constant_(x, 1.0); }

Tensor xavier_uniform_(Tensor x, Generator& gen, double gain) {
  Fans f = calculate_fan_in_and_fan_out(x);
  double a = gain * std::sqrt(6.0 / static_cast<double>(f.fan_in + f.fan_out));
  return uniform_(x, -a, a, gen);
}

Tensor xavier_normal_(Tensor x, Generator& gen, double gain) {
  Fans f = calculate_fan_in_and_fan_out(x);
  return normal_(x, 0.0, gain * std::sqrt(2.0 / static_cast<double>(f.fan_in + f.fan_out)), gen);
}

namespace {
double kaiming_std(const Tensor& x, double a, FanMode mode, Nonlinearity nonlinearity) {
  Fans f = calculate_fan_in_and_fan_out(x);
  int64_t fan = mode == FanMode::fan_in ? f.fan_in : f.fan_out;
  return calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan));
}
}  // namespace

Tensor kaiming_uniform_(Tensor x, Generator& gen, double a, FanMode mode, Nonlinearity nonlinearity) {
  double bound = std::sqrt(3.0) * kaiming_std(x, a, mode, nonlinearity);
  return uniform_(x, -bound, bound, gen);
}

Tensor kaiming_normal_(Tensor x, Generator& gen, double a, FanMode mode, Nonlinearity nonlinearity) {
  return normal_(x, 0.0, kaiming_std(x, a, mode, nonlinearity), gen);
}

Tensor pytorch_default_(Tensor x, int64_t fan_in, Generator& gen) {
  if (fan_in <= 0) throw ValueError("init::pytorch_default_: fan_in must be > 0, got " + std::to_string(fan_in));
  double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  return uniform_(x, -bound, bound, gen);
}

Tensor pytorch_default_scaled_(Tensor x, int64_t fan_in, Generator& gen) {
  if (fan_in <= 0) throw ValueError("init::pytorch_default_scaled_: fan_in must be > 0, got " + std::to_string(fan_in));
  double bound = 1.0 / std::sqrt(3.0 * static_cast<double>(fan_in));
  return uniform_(x, -bound, bound, gen);
}

}  // namespace minidl::nn::init

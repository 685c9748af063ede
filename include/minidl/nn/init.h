// nn::init: fills a tensor in place with a chosen random scheme, drawing from an explicit
// Generator. Formulas are PyTorch 1.13's torch.nn.init (fans, gains, bounds), so a scheme gives
// the same distribution as in PyTorch (not the same numbers: the generators differ).
#pragma once

#include <cstdint>

#include "minidl/random.h"
#include "minidl/tensor.h"

namespace minidl::nn {

// The weight initialisations Linear offers (LinearOptions::init).
enum class Init {
  pytorch_default,         // U(+-1/sqrt(fan_in)) for weight and bias: PyTorch's Linear (report 000)
  pytorch_default_scaled,  // the same divided by sqrt(3): U(+-1/sqrt(3 fan_in)) (report 003)
  xavier_uniform,          // Glorot, with LinearOptions::gain; bias zeros
  xavier_normal,           // Glorot normal (report 001); bias zeros
  kaiming_uniform,         // He, fan_in, gain sqrt(2) (relu); bias zeros
  kaiming_normal,          // He normal: N(0, 2/fan_in) (report 004); bias zeros
  normal,                  // N(0, weight_std^2) with LinearOptions::weight_std (report 003/004); bias zeros
  zeros,
};

namespace init {

enum class Nonlinearity { linear, sigmoid, tanh, relu, leaky_relu, selu };
enum class FanMode { fan_in, fan_out };

// PyTorch's calculate_gain: 1 for linear and sigmoid, 5/3 for tanh, sqrt(2) for relu,
// sqrt(2 / (1 + param^2)) for leaky_relu (param is the negative slope), 3/4 for selu.
double calculate_gain(Nonlinearity nonlinearity, double param = 0.01);

struct Fans {
  int64_t fan_in, fan_out;
};
// For a weight of shape (out, in, k...): fan_in = in * prod(k), fan_out = out * prod(k).
// Throws ValueError for fewer than 2 dims.
Fans calculate_fan_in_and_fan_out(const Tensor& x);

// Each fills x in place (never recorded) and returns it.
Tensor uniform_(Tensor x, double a, double b, Generator& gen);
Tensor normal_(Tensor x, double mean, double std, Generator& gen);
Tensor constant_(Tensor x, double value);
Tensor zeros_(Tensor x);
Tensor ones_(Tensor x);
// U(+-a), a = gain sqrt(6 / (fan_in + fan_out)); N(0, std^2), std = gain sqrt(2 / (fan_in + fan_out)).
Tensor xavier_uniform_(Tensor x, Generator& gen, double gain = 1.0);
Tensor xavier_normal_(Tensor x, Generator& gen, double gain = 1.0);
// std = gain / sqrt(fan), gain = calculate_gain(nonlinearity, a); uniform bound sqrt(3) std.
// The defaults are PyTorch's (a = 0, fan_in, leaky_relu), so gain = sqrt(2) as for relu.
Tensor kaiming_uniform_(Tensor x, Generator& gen, double a = 0, FanMode mode = FanMode::fan_in,
                        Nonlinearity nonlinearity = Nonlinearity::leaky_relu);
Tensor kaiming_normal_(Tensor x, Generator& gen, double a = 0, FanMode mode = FanMode::fan_in,
                       Nonlinearity nonlinearity = Nonlinearity::leaky_relu);
// PyTorch's Linear.reset_parameters: U(+-1/sqrt(fan_in)) (kaiming_uniform_ with a = sqrt(5) for
// the weight gives exactly this bound). Used for weight and bias alike, with the weight's fan_in.
Tensor pytorch_default_(Tensor x, int64_t fan_in, Generator& gen);
// The same bound divided by sqrt(3) (report 003).
Tensor pytorch_default_scaled_(Tensor x, int64_t fan_in, Generator& gen);

}  // namespace init
}  // namespace minidl::nn

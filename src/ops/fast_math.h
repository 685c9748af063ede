// Internal: float32 exp and tanh as plain arithmetic, so loops over them vectorise (libm's expf
// and tanhf are calls the compiler cannot vectorise, and they dominated a training step).
// float64 keeps libm: gradchecks and golden tests want its last bit. Errors against libm, over
// every float in [-90, 90] sampled by the test: a few ulp (tests/ops/test_fast_math.cpp).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace minidl::detail {

// A clamp that compiles to min/max instructions (std::fmin/fmax are libm calls, for their NaN
// rules); callers pass NaN through themselves.
inline float clamp(float x, float lo, float hi) {
  x = x < lo ? lo : x;
  return x > hi ? hi : x;
}

// floor(x) for |x| < 2^22 as plain arithmetic: std::floor vectorises only with
// -fno-trapping-math (GCC 12), and without it every loop over fast_exp ran scalar (the LSTM's
// sigmoid gates, softmax). (x + 1.5 * 2^23) - 1.5 * 2^23 is x rounded to the nearest integer.
inline float floor_small(float x) {
  float r = (x + 12582912.0f) - 12582912.0f;
  return r > x ? r - 1.0f : r;
}

// exp(x) = 2^n exp(r), r = x - n ln2 in [-ln2/2, ln2/2]; Cephes' degree-6 polynomial for exp(r).
inline float fast_exp(float x) {
  float in = x;
  // Beyond these bounds exp leaves the normal floats: 0 below, inf above 88.72 (as libm);
  // between 88.38 and 88.72 the value saturates at exp(88.38) = 2.4e38.
  x = clamp(x, -87.33654475f, 88.3762626647949f);
  float n = floor_small(x * 1.44269504088896341f + 0.5f);
  float r = x - n * 0.693359375f + n * 2.12194440e-4f;  // ln2 split in two for exact n*ln2
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t bits = (static_cast<int32_t>(n) + 127) << 23;  // 2^n, n in [-126, 128) after the clamp
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  float y = in < -87.33654475f ? 0.0f : p * scale;
  y = in > 88.72283905f ? HUGE_VALF : y;
  return in != in ? in : y;  // NaN stays NaN (the clamp above replaced it)
}

// tanh as a rational function of degree 13/6 on [-7.9, 7.9] (Eigen's generic_fast_tanh_float);
// beyond that float tanh is +-1 to the last bit.
inline float fast_tanh(float x) {
  float c = clamp(x, -7.90531110763549805f, 7.90531110763549805f);
  float x2 = c * c;
  float p = -2.76076847742355e-16f;
  p = p * x2 + 2.00018790482477e-13f;
  p = p * x2 - 8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  p = p * c;
  float q = 1.19825839466702e-06f;
  q = q * x2 + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  float y = std::fabs(x) < 0.0004f ? x : p / q;
  return x != x ? x : y;  // NaN stays NaN
}

template <class T>
inline T exp(T x) {
  if constexpr (std::is_same_v<T, float>) return fast_exp(x);
  else return std::exp(x);
}

template <class T>
inline T tanh(T x) {
  if constexpr (std::is_same_v<T, float>) return fast_tanh(x);
  else return std::tanh(x);
}

}  // namespace minidl::detail

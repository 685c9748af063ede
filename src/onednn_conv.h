// Internal: oneDNN's convolutions (its sgemm is called from blas.cpp). Float32 convolutions (forward, gradient of the
// input, gradient of the weight and bias) through oneDNN's primitives, which JIT-compile their
// kernels for the running CPU's ISA (AVX2, AVX-512, AMX). Primitives are built once per shape and
// cached; tensors stay NCHW/OIHW and are reordered to the primitive's blocked layout when it
// wants one. Float64 has no oneDNN kernel and stays on im2col + GEMM (ops/conv.cpp).
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace minidl::onednn {

// The sizes of one 2-D convolution: x (n, c, h, w), w (oc, c, kh, kw), y (n, oc, oh, ow).
struct ConvShape {
  int64_t n, c, h, w, oc, kh, kw, sh, sw, ph, pw, oh, ow;
  bool bias;
  auto operator<=>(const ConvShape&) const = default;
};

// y = conv(x, w) + b. b may be null (no bias).
void conv_forward(const ConvShape& s, const float* x, const float* w, const float* b, float* y);
// dx = the gradient of the input for output gradient dy (dx is overwritten).
void conv_backward_data(const ConvShape& s, const float* w, const float* dy, float* dx);
// dw (and db unless null) = the gradients of the weight and bias (overwritten).
void conv_backward_weights(const ConvShape& s, const float* x, const float* dy, float* dw, float* db);

// The implementation oneDNN picked for a shape's forward pass, e.g. "brg:avx512_core" (for
// benchmarks and `minidl info --system`).
std::string conv_implementation(const ConvShape& s);
// The ISA oneDNN's JIT targets on this CPU (after ONEDNN_MAX_CPU_ISA), e.g. "avx512_core_amx".
std::string max_isa();
std::string version();

}  // namespace minidl::onednn

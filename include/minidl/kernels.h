// Which kernel library runs matrix products and convolutions. The choice is made once, for the
// CPU the program runs on, by rules measured in bench/RESULTS.md ("Kernels"); the setters exist so
// that tests can compare a fast path with its reference and benchmarks can measure both.
#pragma once

#include <string>

namespace minidl {

// float32 matrix products: oneDNN's JIT sgemm when OpenBLAS fell back to kernels older than the
// CPU (Debian's 0.3.21 runs SSE3 "Prescott" kernels on Sapphire/Emerald Rapids) and on AMD CPUs,
// where it was the faster of the two; OpenBLAS on Intel CPUs whose widest vectors its kernels use.
// float64 products always go to OpenBLAS.
enum class GemmKernel { openblas, onednn };
// float32 convolutions: oneDNN's JIT primitives, or im2col + one GEMM (the reference, and the
// only path for float64, which oneDNN does not compute).
enum class ConvKernel { onednn, im2col_gemm };

// float32 products of at most kSmallGemmMacs multiply-adds (a small network's layers):
// libxsmm's JIT kernels, compiled for the running CPU whatever OpenBLAS picked, or the same
// kernel as larger products.
enum class SmallGemmKernel { libxsmm, like_large };
inline constexpr long kSmallGemmMacs = 1L << 20;

GemmKernel gemm_kernel();
void set_gemm_kernel(GemmKernel kernel);
SmallGemmKernel small_gemm_kernel();
void set_small_gemm_kernel(SmallGemmKernel kernel);
ConvKernel conv_kernel();
void set_conv_kernel(ConvKernel kernel);

// Makes the float32 GEMM backend's JIT code now rather than in the first product that needs it:
// oneDNN's sgemm compiles its kernels on first use, about 40 ms once per process here (AMD EPYC,
// bench/RESULTS.md), which was a third of a one-epoch Fashion MLP run. Meant for a thread started
// while data loads (`minidl train` does so while Fashion-MNIST loads); safe to call more than once
// and while other threads compute products. Does nothing when the backend compiles nothing.
void warm_up_kernels();

std::string to_string(GemmKernel kernel);
std::string to_string(SmallGemmKernel kernel);
std::string to_string(ConvKernel kernel);

}  // namespace minidl

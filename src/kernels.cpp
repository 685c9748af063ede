// The kernel choices of kernels.h, by the rules measured in bench/RESULTS.md ("Kernels"):
// - GEMM: OpenBLAS on narrower kernels than the CPU has (Prescott on a Xeon with AVX-512, or
//   Haswell pinned by OPENBLAS_CORETYPE) was 1.6-5x slower than oneDNN, which compiles for the
//   CPU it finds. With kernels for the CPU's widest vectors OpenBLAS was faster than oneDNN on an
//   Intel Xeon (SkylakeX kernels, 2.2x on the Fashion MLP's 128 x 256 x 784), but on an AMD EPYC
//   (Zen 5, Cooperlake kernels) oneDNN was faster on every product above the small ones: 8-23%
//   on the MLP's, LeNet's and the LSTMs' shapes and at 1024^3.
// - Small float32 GEMM (at most 2^20 multiply-adds): libxsmm's JIT kernels, faster than either
//   library on the small network's layers on every path measured (RESULTS.md, "Kernels").
// - Convolutions: oneDNN on every x86-64 CPU; im2col + GEMM stays as the reference.
#include "minidl/kernels.h"

#include "cpu.h"

namespace minidl {

namespace {

GemmKernel measured_gemm_choice() {
  const cpu::Cpu& cpu = cpu::this_cpu();
  const cpu::Vectors blas = cpu::openblas_vectors(cpu::openblas_core());
  return blas < cpu.widest || cpu.vendor == "AuthenticAMD" ? GemmKernel::onednn : GemmKernel::openblas;
}

GemmKernel& current_gemm_kernel() {
  static GemmKernel kernel = measured_gemm_choice();
  return kernel;
}

SmallGemmKernel& current_small_gemm_kernel() {
  static SmallGemmKernel kernel = SmallGemmKernel::libxsmm;
  return kernel;
}

ConvKernel& current_conv_kernel() {
  static ConvKernel kernel = ConvKernel::onednn;
  return kernel;
}

}  // namespace

GemmKernel gemm_kernel() { return current_gemm_kernel(); }
void set_gemm_kernel(GemmKernel kernel) { current_gemm_kernel() = kernel; }
SmallGemmKernel small_gemm_kernel() { return current_small_gemm_kernel(); }
void set_small_gemm_kernel(SmallGemmKernel kernel) { current_small_gemm_kernel() = kernel; }
ConvKernel conv_kernel() { return current_conv_kernel(); }
void set_conv_kernel(ConvKernel kernel) { current_conv_kernel() = kernel; }

std::string to_string(GemmKernel kernel) { return kernel == GemmKernel::onednn ? "onednn" : "openblas"; }
std::string to_string(SmallGemmKernel kernel) { return kernel == SmallGemmKernel::libxsmm ? "libxsmm" : "like_large"; }
std::string to_string(ConvKernel kernel) { return kernel == ConvKernel::onednn ? "onednn" : "im2col_gemm"; }

}  // namespace minidl

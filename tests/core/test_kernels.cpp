// The kernel choice of kernels.h: the rule that picks oneDNN's sgemm when OpenBLAS runs kernels
// narrower than the CPU's vectors or the CPU is AMD's, and the setters that tests and benchmarks use.
// The CPU facts the rule reads (cpu.h) are tested in test_cpu.cpp.
#include <gtest/gtest.h>

#include "cpu.h"
#include "minidl/minidl.h"

namespace minidl {
namespace {

// The default: oneDNN exactly when OpenBLAS's kernels are narrower than this CPU's vectors, or
// the CPU is AMD's (where oneDNN measured faster even against OpenBLAS's AVX-512 kernels).
TEST(Kernels, GemmGoesToOneDnnWhenOpenBlasKernelsAreNarrowerThanTheCpuOrOnAmd) {
  const bool narrower = cpu::openblas_vectors(cpu::openblas_core()) < cpu::this_cpu().widest;
  const bool amd = cpu::this_cpu().vendor == "AuthenticAMD";
  EXPECT_EQ(gemm_kernel(), narrower || amd ? GemmKernel::onednn : GemmKernel::openblas)
      << "OpenBLAS core " << cpu::openblas_core() << ", CPU " << cpu::this_cpu().vendor << " "
      << cpu::to_string(cpu::this_cpu().widest);
  EXPECT_FALSE(cpu::this_cpu().vendor.empty());
  EXPECT_EQ(conv_kernel(), ConvKernel::onednn);
}

TEST(Kernels, SettersChangeTheChoiceAndNamesSayWhich) {
  const GemmKernel gemm = gemm_kernel();
  const ConvKernel conv = conv_kernel();
  set_gemm_kernel(GemmKernel::openblas);
  set_conv_kernel(ConvKernel::im2col_gemm);
  EXPECT_EQ(gemm_kernel(), GemmKernel::openblas);
  EXPECT_EQ(conv_kernel(), ConvKernel::im2col_gemm);
  EXPECT_EQ(to_string(GemmKernel::onednn), "onednn");
  EXPECT_EQ(to_string(ConvKernel::im2col_gemm), "im2col_gemm");
  set_gemm_kernel(gemm);
  set_conv_kernel(conv);
}

}  // namespace
}  // namespace minidl

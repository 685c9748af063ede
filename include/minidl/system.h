// What the program runs on: the CPU, its vector extensions, and the kernels each library uses on
// it. `minidl info --system` prints it and summary.json records it, so that every figure can name
// the machine and kernels that produced it.
#pragma once

#include <string>
#include <vector>

namespace minidl {

struct SystemInfo {
  std::string cpu_model;                // /proc/cpuinfo's "model name"
  std::vector<std::string> extensions;  // the vector extensions present, e.g. "avx2", "avx512f", "amx_tile"
  std::string widest_vectors;           // "avx512", "avx2", "avx" or "sse"
  std::string openblas_core;            // the kernels OpenBLAS picked, e.g. "Cooperlake", "Prescott"
  std::string openblas_config;
  std::string onednn_version;
  std::string onednn_isa;  // the ISA oneDNN's JIT targets (capped by ONEDNN_MAX_CPU_ISA)
  std::string libxsmm_version;
  std::string libxsmm_isa;  // the ISA libxsmm's JIT targets, e.g. "clx", "hsw"
  std::string gemm_kernel, small_gemm_kernel, conv_kernel;  // kernels.h's choices
  int threads = 1;
  std::string mpi;     // the MPI library minidl::dist runs on, or "none (built without MPI)"
  int world_size = 1;  // processes in this job (1 unless dist::init() ran under mpirun)
  int rank = 0;
  std::string minidl_version, compiler;
};

SystemInfo system_info();

}  // namespace minidl

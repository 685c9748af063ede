// system_info(): the CPU facts of cpu.h, the libraries' versions and the kernels in use.
#include "minidl/system.h"

#include <libxsmm.h>

#include "cpu.h"
#include "minidl/dist/process_group.h"
#include "minidl/kernels.h"
#include "minidl/threads.h"
#include "onednn_conv.h"

#ifndef MINIDL_VERSION
#define MINIDL_VERSION "unknown"
#endif

namespace minidl {

SystemInfo system_info() {
  const cpu::Cpu& c = cpu::this_cpu();
  SystemInfo info;
  info.cpu_model = c.model;
  info.extensions = c.extensions;
  info.widest_vectors = cpu::to_string(c.widest);
  info.openblas_core = cpu::openblas_core();
  info.openblas_config = cpu::openblas_config();
  info.onednn_version = onednn::version();
  info.onednn_isa = onednn::max_isa();
  info.libxsmm_version = LIBXSMM_CONFIG_VERSION;
  info.libxsmm_isa = libxsmm_get_target_arch();
  info.gemm_kernel = to_string(gemm_kernel());
  info.small_gemm_kernel = to_string(small_gemm_kernel());
  info.conv_kernel = to_string(conv_kernel());
  info.threads = get_num_threads();
  info.mpi = dist::mpi_version();
  info.world_size = dist::world_size();
  info.rank = dist::rank();
  info.minidl_version = MINIDL_VERSION;
  info.compiler = "g++ " __VERSION__;
#ifdef __clang__
  info.compiler = "clang " __clang_version__;
#endif
  return info;
}

}  // namespace minidl

// `minidl info --system` and summary.json's "system": the CPU, its vector extensions and the
// kernels each library uses on it (include/minidl/system.h).
#include "system_report.h"

#include "minidl/kernels.h"
#include "minidl/system.h"

namespace minidl::cli {

nlohmann::json system_json() {
  const SystemInfo s = system_info();
  return {{"cpu", s.cpu_model},
          {"extensions", s.extensions},
          {"widest_vectors", s.widest_vectors},
          {"openblas_core", s.openblas_core},
          {"openblas_config", s.openblas_config},
          {"onednn_version", s.onednn_version},
          {"onednn_isa", s.onednn_isa},
          {"libxsmm_version", s.libxsmm_version},
          {"libxsmm_isa", s.libxsmm_isa},
          {"gemm_kernel", s.gemm_kernel},
          {"small_gemm_kernel", s.small_gemm_kernel},
          {"conv_kernel", s.conv_kernel},
          {"threads", s.threads},
          {"mpi", s.mpi},
          {"world_size", s.world_size},
          {"minidl_version", s.minidl_version},
          {"compiler", s.compiler}};
}

void print_system(std::ostream& out) {
  const SystemInfo s = system_info();
  std::string extensions;
  for (const std::string& e : s.extensions) extensions += (extensions.empty() ? "" : " ") + e;
  out << "cpu              " << s.cpu_model << "\n"
      << "vector ISA       " << extensions << " (widest: " << s.widest_vectors << ")\n"
      << "float32 GEMM     " << s.gemm_kernel << " (products of up to " << kSmallGemmMacs << " multiply-adds: " << s.small_gemm_kernel << ")\n"
      << "convolutions     " << s.conv_kernel << "\n"
      << "OpenBLAS         kernels " << s.openblas_core << " (" << s.openblas_config << ")\n"
      << "oneDNN           " << s.onednn_version << ", JIT for " << s.onednn_isa << "\n"
      << "libxsmm          " << s.libxsmm_version << ", JIT for " << s.libxsmm_isa << "\n"
      << "threads          " << s.threads << "\n"
      << "MPI              " << s.mpi << "\n"
      << "processes        " << s.world_size << (s.world_size > 1 ? " (this is rank " + std::to_string(s.rank) + ")" : "")
      << (s.world_size == 1 && s.mpi.rfind("none", 0) != 0 ? " (run under mpirun -n N for more)" : "") << "\n"
      << "minidl           " << s.minidl_version << ", built with " << s.compiler << "\n";
}

}  // namespace minidl::cli

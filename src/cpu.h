// Internal: facts about the running CPU and the kernels OpenBLAS picked for it, read once. The
// kernel choice of kernels.h compares the two.
#pragma once

#include <string>
#include <vector>

namespace minidl::cpu {

// How wide the vectors a piece of code uses are: the CPU's widest, or those of a kernel set.
enum class Vectors { sse = 1, avx = 2, avx2 = 3, avx512 = 4 };

struct Cpu {
  std::string vendor;  // "GenuineIntel", "AuthenticAMD", ...
  std::string model;
  std::vector<std::string> extensions;
  Vectors widest = Vectors::sse;
};

const Cpu& this_cpu();
std::string openblas_core();
std::string openblas_config();
// The vectors of an OpenBLAS core's kernels ("SkylakeX" -> avx512, "Prescott" -> sse).
Vectors openblas_vectors(const std::string& core);
std::string to_string(Vectors v);

}  // namespace minidl::cpu

// CPU facts from /proc/cpuinfo (vendor, model name, flags) and OpenBLAS's own report of its kernels.
#include "cpu.h"

#include <cblas.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace minidl::cpu {

namespace {

Cpu read_cpu() {
  Cpu cpu;
  std::ifstream in("/proc/cpuinfo");
  std::string line, flags;
  while (std::getline(in, line) && (cpu.vendor.empty() || cpu.model.empty() || flags.empty())) {
    auto value = [&] { return line.substr(std::min(line.size(), line.find(':') + 2)); };
    if (cpu.vendor.empty() && line.rfind("vendor_id", 0) == 0) cpu.vendor = value();
    if (cpu.model.empty() && line.rfind("model name", 0) == 0) cpu.model = value();
    if (flags.empty() && line.rfind("flags", 0) == 0) flags = value();
  }
  // The extensions that decide which kernels run (the rest of the flags are not about vectors).
  static const char* const kVectorFlags[] = {"sse3",        "ssse3",      "sse4_1",      "sse4_2",   "avx",
                                             "fma",         "avx2",       "avx512f",     "avx512bw", "avx512vl",
                                             "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16"};
  std::istringstream words(flags);
  std::vector<std::string> present;
  for (std::string w; words >> w;) present.push_back(w);
  auto has = [&](const std::string& f) { return std::find(present.begin(), present.end(), f) != present.end(); };
  for (const char* f : kVectorFlags) {
    if (has(f)) cpu.extensions.emplace_back(f);
  }
  if (has("avx512f") && has("avx512bw") && has("avx512vl")) {
    cpu.widest = Vectors::avx512;
  } else if (has("avx2") && has("fma")) {
    cpu.widest = Vectors::avx2;
  } else if (has("avx")) {
    cpu.widest = Vectors::avx;
  }
  if (cpu.model.empty()) cpu.model = "unknown";
  if (cpu.vendor.empty()) cpu.vendor = "unknown";
  return cpu;
}

}  // namespace

const Cpu& this_cpu() {
  static const Cpu cpu = read_cpu();
  return cpu;
}

std::string openblas_core() { return openblas_get_corename(); }
std::string openblas_config() { return openblas_get_config(); }

Vectors openblas_vectors(const std::string& core) {
  static const char* const kAvx512[] = {"SkylakeX", "Cooperlake", "SapphireRapids"};
  static const char* const kAvx2[] = {"Haswell", "Zen", "Excavator"};
  static const char* const kAvx[] = {"Sandybridge", "Bulldozer", "Piledriver", "Steamroller"};
  auto in = [&](const auto& names) {
    return std::any_of(std::begin(names), std::end(names), [&](const char* n) { return core == n; });
  };
  if (in(kAvx512)) return Vectors::avx512;
  if (in(kAvx2)) return Vectors::avx2;
  if (in(kAvx)) return Vectors::avx;
  return Vectors::sse;  // Prescott, Core2, Nehalem, Atom, Barcelona, ...
}

std::string to_string(Vectors v) {
  switch (v) {
    case Vectors::avx512: return "avx512";
    case Vectors::avx2: return "avx2";
    case Vectors::avx: return "avx";
    case Vectors::sse: break;
  }
  return "sse";
}

}  // namespace minidl::cpu

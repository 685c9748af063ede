// cpu.h: the OpenBLAS core -> vector width table, the names of the widths, and this_cpu()'s
// reading of /proc/cpuinfo (checked against the file itself, line by line).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "cpu.h"

namespace minidl {
namespace {

TEST(Kernels, OpenBlasCoresAreRankedByTheirVectors) {
  EXPECT_EQ(cpu::openblas_vectors("Prescott"), cpu::Vectors::sse);
  EXPECT_EQ(cpu::openblas_vectors("Nehalem"), cpu::Vectors::sse);
  EXPECT_EQ(cpu::openblas_vectors("Sandybridge"), cpu::Vectors::avx);
  EXPECT_EQ(cpu::openblas_vectors("Haswell"), cpu::Vectors::avx2);
  EXPECT_EQ(cpu::openblas_vectors("Zen"), cpu::Vectors::avx2);
  EXPECT_EQ(cpu::openblas_vectors("SkylakeX"), cpu::Vectors::avx512);
  EXPECT_EQ(cpu::openblas_vectors("Cooperlake"), cpu::Vectors::avx512);
  EXPECT_LT(cpu::Vectors::sse, cpu::Vectors::avx2);
}

// Every core the table names, and names it does not know (older cores, a typo, the empty
// string from a failed query): those are taken as SSE, the safe floor.
TEST(Cpu, EveryNamedOpenBlasCoreHasItsWidthAndUnknownCoresAreSse) {
  for (const char* core : {"SkylakeX", "Cooperlake", "SapphireRapids"}) {
    EXPECT_EQ(cpu::openblas_vectors(core), cpu::Vectors::avx512) << core;
  }
  for (const char* core : {"Haswell", "Zen", "Excavator"}) EXPECT_EQ(cpu::openblas_vectors(core), cpu::Vectors::avx2) << core;
  for (const char* core : {"Sandybridge", "Bulldozer", "Piledriver", "Steamroller"}) {
    EXPECT_EQ(cpu::openblas_vectors(core), cpu::Vectors::avx) << core;
  }
  for (const char* core : {"Core2", "Atom", "Barcelona", "", "NotACore", "SkylakeX "}) {
    EXPECT_EQ(cpu::openblas_vectors(core), cpu::Vectors::sse) << "'" << core << "'";
  }
}

TEST(Cpu, WidthsAreOrderedAndNamed) {
  EXPECT_LT(cpu::Vectors::sse, cpu::Vectors::avx);
  EXPECT_LT(cpu::Vectors::avx, cpu::Vectors::avx2);
  EXPECT_LT(cpu::Vectors::avx2, cpu::Vectors::avx512);
  EXPECT_EQ(cpu::to_string(cpu::Vectors::sse), "sse");
  EXPECT_EQ(cpu::to_string(cpu::Vectors::avx), "avx");
  EXPECT_EQ(cpu::to_string(cpu::Vectors::avx2), "avx2");
  EXPECT_EQ(cpu::to_string(cpu::Vectors::avx512), "avx512");
}

// The first value of a "key : value" line of /proc/cpuinfo, or "" when no line has the key.
std::string first_value(const std::string& key) {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key, 0) != 0) continue;
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    size_t start = line.find_first_not_of(" \t", colon + 1);
    return start == std::string::npos ? "" : line.substr(start);
  }
  return "";
}

// this_cpu() against the text of /proc/cpuinfo: vendor and model name as written, the vector
// extensions exactly those of the first "flags" line that decide kernels, in the fixed order,
// and `widest` by the rule of cpu.cpp (AVX-512 needs f, bw and vl; AVX2 needs FMA).
TEST(Cpu, ThisCpuIsWhatProcCpuinfoSays) {
  if (!std::ifstream("/proc/cpuinfo")) GTEST_SKIP() << "no /proc/cpuinfo";
  const cpu::Cpu& c = cpu::this_cpu();
  const std::string vendor = first_value("vendor_id"), model = first_value("model name");
  EXPECT_EQ(c.vendor, vendor.empty() ? "unknown" : vendor);
  EXPECT_EQ(c.model, model.empty() ? "unknown" : model);

  std::set<std::string> flags;
  std::istringstream words(first_value("flags"));
  for (std::string w; words >> w;) flags.insert(w);
  const std::vector<std::string> vector_flags = {"sse3",     "ssse3",       "sse4_1",      "sse4_2",      "avx",
                                                 "fma",      "avx2",        "avx512f",     "avx512bw",    "avx512vl",
                                                 "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16"};
  std::vector<std::string> expected;
  for (const std::string& f : vector_flags) {
    if (flags.count(f)) expected.push_back(f);
  }
  EXPECT_EQ(c.extensions, expected);

  auto has = [&](const char* f) { return flags.count(f) > 0; };
  cpu::Vectors widest = cpu::Vectors::sse;
  if (has("avx512f") && has("avx512bw") && has("avx512vl")) {
    widest = cpu::Vectors::avx512;
  } else if (has("avx2") && has("fma")) {
    widest = cpu::Vectors::avx2;
  } else if (has("avx")) {
    widest = cpu::Vectors::avx;
  }
  EXPECT_EQ(c.widest, widest) << cpu::to_string(c.widest) << " vs " << cpu::to_string(widest);
}

// Read once: the same object every call.
TEST(Cpu, ThisCpuIsReadOnce) { EXPECT_EQ(&cpu::this_cpu(), &cpu::this_cpu()); }

// OpenBLAS's own report: a core name, and a configuration string that starts with its name.
TEST(Cpu, OpenBlasReportsItsCoreAndConfiguration) {
  EXPECT_FALSE(cpu::openblas_core().empty());
  EXPECT_THAT(cpu::openblas_config(), ::testing::StartsWith("OpenBLAS"));
}

}  // namespace
}  // namespace minidl

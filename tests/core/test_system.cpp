// system_info(): the facts `minidl info --system` prints, read from this machine.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "minidl/minidl.h"

namespace minidl {
namespace {

TEST(System, NamesTheCpuTheKernelsAndTheThreads) {
  const SystemInfo s = system_info();
  EXPECT_FALSE(s.cpu_model.empty());
  EXPECT_FALSE(s.openblas_core.empty());
  EXPECT_NE(s.openblas_config.find("OpenBLAS"), std::string::npos) << s.openblas_config;
  EXPECT_EQ(s.onednn_version.rfind("2.", 0), 0u) << s.onednn_version;
  EXPECT_NE(s.onednn_isa, "");
  EXPECT_EQ(s.gemm_kernel, to_string(gemm_kernel()));
  EXPECT_EQ(s.small_gemm_kernel, to_string(small_gemm_kernel()));
  EXPECT_FALSE(s.libxsmm_version.empty());
  EXPECT_FALSE(s.libxsmm_isa.empty());
  EXPECT_EQ(s.conv_kernel, to_string(conv_kernel()));
  EXPECT_EQ(s.threads, get_num_threads());
}

// Every x86-64 CPU has SSE2; the widest vectors follow the extensions listed.
TEST(System, WidestVectorsFollowTheExtensions) {
  const SystemInfo s = system_info();
  auto has = [&](const char* e) { return std::find(s.extensions.begin(), s.extensions.end(), e) != s.extensions.end(); };
  if (has("avx512f") && has("avx512bw") && has("avx512vl")) {
    EXPECT_EQ(s.widest_vectors, "avx512");
  } else if (has("avx2") && has("fma")) {
    EXPECT_EQ(s.widest_vectors, "avx2");
  } else {
    EXPECT_TRUE(s.widest_vectors == "avx" || s.widest_vectors == "sse") << s.widest_vectors;
  }
  // The model name is /proc/cpuinfo's.
  std::ifstream in("/proc/cpuinfo");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find(s.cpu_model), std::string::npos) << s.cpu_model;
}

}  // namespace
}  // namespace minidl

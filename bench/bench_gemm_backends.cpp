// The GEMM candidates side by side on minidl's shapes, float32, one thread: OpenBLAS (whatever
// kernel it picked: run with OPENBLAS_CORETYPE=Prescott|Haswell|SkylakeX|Cooperlake to emulate
// other CPUs), oneDNN's dnnl_sgemm (JIT for the running ISA; ONEDNN_MAX_CPU_ISA caps it) and
// libxsmm's JIT small-matrix kernels (no-transpose only). y = a b^T, as a Linear's forward.
// The table this produces is in bench/RESULTS.md ("Kernels").
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <oneapi/dnnl/dnnl.h>

#include <vector>

#include "openmp.h"

#ifdef MINIDL_HAVE_LIBXSMM
#include <libxsmm.h>
#endif

namespace {

struct Operands {
  std::vector<float> a, b, y;
  Operands(int64_t m, int64_t n, int64_t k) : a(m * k, 0.5f), b(n * k, 0.25f), y(m * n) {}
};

void set_flops(benchmark::State& state, int64_t m, int64_t n, int64_t k) {
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * m * n * k, benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}

void BM_OpenBLAS(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  Operands o(m, n, k);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, o.a.data(), k, o.b.data(), k, 0.0f,
                o.y.data(), n);
    benchmark::DoNotOptimize(o.y.data());
  }
  set_flops(state, m, n, k);
}

void BM_OneDNN(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  omp_set_num_threads(1);
  Operands o(m, n, k);
  for (auto _ : state) {
    dnnl_sgemm('N', 'T', m, n, k, 1.0f, o.a.data(), k, o.b.data(), k, 0.0f, o.y.data(), n);
    benchmark::DoNotOptimize(o.y.data());
  }
  set_flops(state, m, n, k);
}

#ifdef MINIDL_HAVE_LIBXSMM
// libxsmm is column-major and its JIT has no transposes: row-major y = a b^T is column-major
// y^T = b a^T, computed here as y^T = bt a^T with bt = b^T stored once (k, n) row-major.
void BM_Libxsmm(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  Operands o(m, n, k);
  const float alpha = 1.0f, beta = 0.0f;
  const libxsmm_blasint ln = n, lk = k;
  // Column-major: C (n x m) = A (n x k) * B (k x m); A = bt seen column-major (ld n), B = a (ld k).
  libxsmm_smmfunction kernel = libxsmm_smmdispatch(n, m, k, &ln, &lk, &ln, &alpha, &beta, nullptr, nullptr);
  if (!kernel) {
    state.SkipWithError("libxsmm: no JIT kernel for this shape");
    return;
  }
  for (auto _ : state) {
    kernel(o.b.data(), o.a.data(), o.y.data());
    benchmark::DoNotOptimize(o.y.data());
  }
  set_flops(state, m, n, k);
}
#endif

// (M, N, K): the disk network at batch 50 and 1000, the Fashion MLP's first layer at batch 128,
// LeNet's first Linear at batch 64, and the 1024^3 ceiling.
void shapes(benchmark::internal::Benchmark* b) {
  for (auto s : std::vector<std::vector<int64_t>>{
           {50, 25, 25}, {1000, 25, 25}, {128, 10, 128}, {64, 84, 120}, {128, 128, 64}, {128, 256, 784},
           {64, 120, 256}, {32, 1024, 256}, {128, 512, 128}, {2048, 1024, 256}, {1024, 1024, 1024}}) {
    b->Args(s);
  }
}

}  // namespace

BENCHMARK(BM_OpenBLAS)->Apply(shapes);
BENCHMARK(BM_OneDNN)->Apply(shapes);
#ifdef MINIDL_HAVE_LIBXSMM
BENCHMARK(BM_Libxsmm)->Apply(shapes);
#endif

BENCHMARK_MAIN();

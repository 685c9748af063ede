// minidl's matmul against cblas_sgemm alone, 1024^3 float32 on one thread: the wrapper (shape
// checks, allocation from the cache, autograd bookkeeping) must cost almost nothing.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include "minidl/minidl.h"

using namespace minidl;

static void BM_CblasSgemm(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  set_num_threads(1);
  Generator gen(0);
  Tensor a = randn({n, n}, gen), b = randn({n, n}, gen), y = zeros({n, n});
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data<float>(), n, b.data<float>(), n, 0.0f,
                y.data<float>(), n);
    benchmark::DoNotOptimize(y.data<float>());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * n * n * n, benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}

static void BM_MinidlMatmul(benchmark::State& state) {
  const int64_t n = state.range(0);
  set_num_threads(1);
  Generator gen(0);
  Tensor a = randn({n, n}, gen), b = randn({n, n}, gen);
  for (auto _ : state) {
    Tensor y = matmul(a, b);
    benchmark::DoNotOptimize(y.raw_data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * n * n * n, benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}

// The backward of a 1024^3 matmul: two more GEMMs with transpose flags (no transposed copies).
static void BM_MinidlMatmulBackward(benchmark::State& state) {
  const int64_t n = state.range(0);
  set_num_threads(1);
  Generator gen(0);
  Tensor a = randn({n, n}, gen).requires_grad_(), b = randn({n, n}, gen).requires_grad_();
  Tensor dy = ones({n, n});
  for (auto _ : state) {
    Tensor y = matmul(a, b);
    y.backward(dy);
    benchmark::DoNotOptimize(a.grad().raw_data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(6.0 * n * n * n, benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}

BENCHMARK(BM_CblasSgemm)->Arg(1024)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_MinidlMatmul)->Arg(1024)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_MinidlMatmulBackward)->Arg(1024)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_CblasSgemm)->Arg(64)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_MinidlMatmul)->Arg(64)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();

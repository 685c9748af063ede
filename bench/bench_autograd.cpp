// The bookkeeping cost of autograd: recording a node and running its backward, per node, on
// 1-element tensors so that arithmetic is negligible. Target: under 150 ns per node.
#include <benchmark/benchmark.h>

#include "minidl/minidl.h"

using namespace minidl;

// A chain of `length` neg ops, then backward: (record + backward) per node.
static void BM_RecordAndBackwardPerNode(benchmark::State& state) {
  const int64_t length = state.range(0);
  Tensor x = ones({1}).requires_grad_();
  for (auto _ : state) {
    Tensor y = x;
    for (int64_t i = 0; i < length; ++i) y = neg(y);
    y.backward();
    x.grad().zero_();
  }
  state.SetItemsProcessed(state.iterations() * length);
  state.counters["ns/node"] = benchmark::Counter(static_cast<double>(length),
                                                 benchmark::Counter::kIsIterationInvariantRate |
                                                     benchmark::Counter::kInvert,
                                                 benchmark::Counter::kIs1000);
}

// The same forward chain without recording (NoGradGuard): the cost of the op alone.
static void BM_ForwardOnlyPerOp(benchmark::State& state) {
  const int64_t length = state.range(0);
  Tensor x = ones({1});
  NoGradGuard no_grad;
  for (auto _ : state) {
    Tensor y = x;
    for (int64_t i = 0; i < length; ++i) y = neg(y);
    benchmark::DoNotOptimize(y.raw_data());
  }
  state.counters["ns/op"] = benchmark::Counter(static_cast<double>(length),
                                               benchmark::Counter::kIsIterationInvariantRate |
                                                   benchmark::Counter::kInvert,
                                               benchmark::Counter::kIs1000);
}

BENCHMARK(BM_RecordAndBackwardPerNode)->Arg(100)->Arg(1000);
BENCHMARK(BM_ForwardOnlyPerOp)->Arg(100)->Arg(1000);
BENCHMARK_MAIN();

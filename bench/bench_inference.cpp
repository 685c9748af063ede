// Single-sample inference latency of the disk network (2-25-25-25-2 ReLU) in eval mode without
// recording: the PyTorch side is bench/peers/inference_latency.py (bench/compare.sh runs both).
#include <benchmark/benchmark.h>

#include "minidl/minidl.h"

using namespace minidl;

static void BM_SingleSampleForward(benchmark::State& state) {
  set_num_threads(1);
  Generator gen(0);
  auto model = nn::sequential(nn::linear(2, 25, gen), nn::relu(), nn::linear(25, 25, gen), nn::relu(),
                              nn::linear(25, 25, gen), nn::relu(), nn::linear(25, 2, gen));
  model->eval();
  NoGradGuard no_grad;
  Tensor x = rand({1, 2}, gen);
  for (auto _ : state) {
    Tensor y = (*model)(x);
    benchmark::DoNotOptimize(y.raw_data());
  }
}
BENCHMARK(BM_SingleSampleForward);
BENCHMARK_MAIN();

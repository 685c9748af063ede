// One training step of the image benchmarks on random 28x28 inputs (the speed does not depend on
// the pixels): the 784-256-128-10 ReLU MLP at batch 128 and the LeNet (Conv 1->8 5x5, pool,
// Conv 8->16 5x5, pool, 256-120-84-10) at batch 64, cross-entropy, Adam. bench/compare.sh times
// the same networks on the real data against PyTorch.
#include <benchmark/benchmark.h>

#include "minidl/minidl.h"

using namespace minidl;

namespace {

void run(benchmark::State& state, nn::Module& model, const Shape& input, int64_t batch) {
  Generator gen(1);
  Tensor x = rand(input, gen);
  Tensor labels = Tensor::empty({batch}, kInt64);
  for (int64_t i = 0; i < batch; ++i) labels.data<int64_t>()[i] = i % 10;
  optim::Adam optimizer(model.parameters(), {.lr = 1e-3});
  for (auto _ : state) {
    optimizer.zero_grad(true);
    Tensor loss = cross_entropy(model(x), labels);
    loss.backward();
    optimizer.step();
    benchmark::DoNotOptimize(loss.item());
  }
  state.counters["samples/s"] = benchmark::Counter(static_cast<double>(state.iterations() * batch),
                                                   benchmark::Counter::kIsRate);
}

void BM_FashionMlpStep(benchmark::State& state) {
  set_num_threads(static_cast<int>(state.range(0)));
  Generator gen(0);
  auto model = nn::sequential(nn::linear(784, 256, gen), nn::relu(), nn::linear(256, 128, gen), nn::relu(),
                              nn::linear(128, 10, gen));
  run(state, *model, {128, 784}, 128);
}

void BM_FashionLeNetStep(benchmark::State& state) {
  set_num_threads(static_cast<int>(state.range(0)));
  Generator gen(0);
  nn::Conv2dOptions conv;
  conv.generator = &gen;
  auto model = nn::sequential(nn::conv2d(1, 8, 5, conv), nn::relu(), nn::max_pool2d(2), nn::conv2d(8, 16, 5, conv),
                              nn::relu(), nn::max_pool2d(2), nn::flatten(), nn::linear(256, 120, gen), nn::relu(),
                              nn::linear(120, 84, gen), nn::relu(), nn::linear(84, 10, gen));
  run(state, *model, {64, 1, 28, 28}, 64);
}

}  // namespace

BENCHMARK(BM_FashionMlpStep)->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_FashionLeNetStep)->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK_MAIN();

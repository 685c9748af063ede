// One training step of the speed benchmark's network (2-25-25-25-2 ReLU, MSE on one-hot targets,
// PyTorch init) at batch 1, 50 and 1000, with SGD+momentum and with Adam: forward, loss,
// backward, step, as the minidl CLI runs it. The second argument: small products through
// libxsmm (1, the default) or through the large products' kernel (0). CPU time per step; bench/compare.sh measures the
// whole command against PyTorch.
#include <benchmark/benchmark.h>

#include "minidl/minidl.h"

using namespace minidl;

namespace {

template <class Optimizer, class Options>
void disk_step(benchmark::State& state, Options options) {
  const int64_t batch = state.range(0);
  const SmallGemmKernel chosen = small_gemm_kernel();
  set_small_gemm_kernel(state.range(1) ? SmallGemmKernel::libxsmm : SmallGemmKernel::like_large);
  state.SetLabel(to_string(gemm_kernel()) + ", small: " + to_string(small_gemm_kernel()));
  Generator gen(0);
  auto model = nn::sequential(nn::linear(2, 25, gen), nn::relu(), nn::linear(25, 25, gen), nn::relu(),
                              nn::linear(25, 25, gen), nn::relu(), nn::linear(25, 2, gen));
  Optimizer optimizer(model->parameters(), options);
  data::TensorDataset train = data::make_disk(1000, gen, data::Targets::one_hot);
  Tensor order = randperm(1000, gen);
  int64_t offset = 0;
  for (auto _ : state) {
    if (offset + batch > 1000) offset = 0;
    data::Batch b = train.get_batch(slice_rows(order, offset, offset + batch));
    offset += batch;
    optimizer.zero_grad(/*set_to_none=*/true);
    Tensor loss = mse_loss((*model)(b.inputs), b.targets);
    loss.backward();
    optimizer.step();
    benchmark::DoNotOptimize(loss.item());
  }
  set_small_gemm_kernel(chosen);
  state.counters["steps/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_DiskStepSGD(benchmark::State& state) {
  set_num_threads(1);
  disk_step<optim::SGD>(state, optim::SGDOptions{.lr = 0.1, .momentum = 0.9});
}
void BM_DiskStepAdam(benchmark::State& state) {
  set_num_threads(1);
  disk_step<optim::Adam>(state, optim::AdamOptions{.lr = 1e-3});
}

}  // namespace

BENCHMARK(BM_DiskStepSGD)->ArgsProduct({{1, 50, 1000}, {0, 1}});
BENCHMARK(BM_DiskStepAdam)->ArgsProduct({{1, 50, 1000}, {0, 1}});
BENCHMARK_MAIN();

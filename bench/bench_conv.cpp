// The image layers at LeNet's shapes, batch 64, float32, one thread: each conv layer alone
// (forward + backward), the conv part of LeNet (conv-relu-pool twice) and the whole LeNet with
// cross-entropy. PyTorch's side of the comparison lives in bench/peers/.
#include <benchmark/benchmark.h>

#include "minidl/minidl.h"

using namespace minidl;

namespace {

constexpr int64_t kBatch = 64;

// state.range(0) picks the convolution kernel: 0 oneDNN, 1 im2col + GEMM.
void use_kernel(const benchmark::State& state) {
  set_conv_kernel(state.range(0) == 0 ? ConvKernel::onednn : ConvKernel::im2col_gemm);
}

void set_items(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * kBatch);  // samples/s
}

}  // namespace

// Conv 1->8 5x5 on (64, 1, 28, 28): the input needs no gradient (dw, db only).
static void BM_Conv1ForwardBackward(benchmark::State& state) {
  set_num_threads(1);
  use_kernel(state);
  Generator gen(0);
  nn::Conv2d conv(1, 8, 5, {.generator = &gen});
  Tensor x = rand({kBatch, 1, 28, 28}, gen);
  Tensor dy = randn({kBatch, 8, 24, 24}, gen);
  for (auto _ : state) {
    conv(x).backward(dy);
    benchmark::DoNotOptimize(conv.weight().grad().raw_data());
  }
  set_items(state);
}

// Conv 8->16 5x5 on (64, 8, 12, 12): dw, db and dx (col2im).
static void BM_Conv2ForwardBackward(benchmark::State& state) {
  set_num_threads(1);
  use_kernel(state);
  Generator gen(0);
  nn::Conv2d conv(8, 16, 5, {.generator = &gen});
  Tensor x = rand({kBatch, 8, 12, 12}, gen).requires_grad_();
  Tensor dy = randn({kBatch, 16, 8, 8}, gen);
  for (auto _ : state) {
    conv(x).backward(dy);
    benchmark::DoNotOptimize(x.grad().raw_data());
  }
  set_items(state);
}

static void BM_MaxPool2ForwardBackward(benchmark::State& state) {
  set_num_threads(1);
  Generator gen(0);
  Tensor x = rand({kBatch, 8, 24, 24}, gen).requires_grad_();
  Tensor dy = randn({kBatch, 8, 12, 12}, gen);
  for (auto _ : state) {
    max_pool2d(x, 2).backward(dy);
    benchmark::DoNotOptimize(x.grad().raw_data());
  }
  set_items(state);
}

// Conv 1->8 5x5, ReLU, MaxPool 2, Conv 8->16 5x5, ReLU, MaxPool 2: forward + backward.
static void BM_LeNetConvLayers(benchmark::State& state) {
  set_num_threads(1);
  use_kernel(state);
  Generator gen(0);
  auto features = nn::sequential(nn::conv2d(1, 8, 5, gen), nn::relu(), nn::max_pool2d(2), nn::conv2d(8, 16, 5, gen),
                                 nn::relu(), nn::max_pool2d(2));
  Tensor x = rand({kBatch, 1, 28, 28}, gen);
  Tensor dy = randn({kBatch, 16, 4, 4}, gen);
  for (auto _ : state) {
    (*features)(x).backward(dy);
    benchmark::DoNotOptimize(features->parameters()[0].grad().raw_data());
  }
  set_items(state);
}

// The whole LeNet with cross-entropy: forward, backward and zero_grad (no optimizer step).
static void BM_LeNetForwardBackward(benchmark::State& state) {
  set_num_threads(1);
  use_kernel(state);
  Generator gen(0);
  auto model = nn::sequential(nn::conv2d(1, 8, 5, gen), nn::relu(), nn::max_pool2d(2), nn::conv2d(8, 16, 5, gen),
                              nn::relu(), nn::max_pool2d(2), nn::flatten(), nn::linear(256, 120, gen), nn::relu(),
                              nn::linear(120, 84, gen), nn::relu(), nn::linear(84, 10, gen));
  Tensor x = rand({kBatch, 1, 28, 28}, gen);
  std::vector<int64_t> classes(kBatch);
  for (int64_t i = 0; i < kBatch; ++i) classes[i] = static_cast<int64_t>(gen.below(10));
  Tensor labels = tensor(classes);
  for (auto _ : state) {
    model->zero_grad();
    cross_entropy((*model)(x), labels).backward();
    benchmark::DoNotOptimize(model->parameters()[0].grad().raw_data());
  }
  set_items(state);
}

// Each conv benchmark runs on both kernels of kernels.h: /0 oneDNN, /1 im2col + GEMM.
void kernels(benchmark::internal::Benchmark* b) { b->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond); }

BENCHMARK(BM_Conv1ForwardBackward)->Apply(kernels);
BENCHMARK(BM_Conv2ForwardBackward)->Apply(kernels);
BENCHMARK(BM_MaxPool2ForwardBackward)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LeNetConvLayers)->Apply(kernels);
BENCHMARK(BM_LeNetForwardBackward)->Apply(kernels);
BENCHMARK_MAIN();

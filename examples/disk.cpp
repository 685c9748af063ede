// Trains the reports' 2-25-25-25-2 network on the disk task with raw minidl ops: leaf tensors,
// linear + tanh, log_softmax cross-entropy, autograd, and SGD with momentum written out by hand.
// (The `minidl` command and the nn/optim modules do all of this for you; this shows the core.)
#include <minidl/minidl.h>

#include <chrono>
#include <cmath>
#include <cstdio>

using namespace minidl;

int main() {
  Generator gen(0);
  // Points uniform in [0,1]^2; label 1 inside the disk of centre (0.5, 0.5) and radius 1/sqrt(2 pi).
  data::TensorDataset train = data::make_disk(1000, gen), test = data::make_disk(1000, gen);
  Tensor train_x = train.inputs(), train_y = train.labels(), test_x = test.inputs(), test_y = test.labels();

  // PyTorch's Linear init: uniform +-1/sqrt(fan_in) for weight and bias.
  std::vector<Tensor> params;
  const int64_t sizes[] = {2, 25, 25, 25, 2};
  for (int l = 0; l < 4; ++l) {
    double bound = 1.0 / std::sqrt(static_cast<double>(sizes[l]));
    params.push_back(uniform({sizes[l + 1], sizes[l]}, -bound, bound, gen).requires_grad_());
    params.push_back(uniform({sizes[l + 1]}, -bound, bound, gen).requires_grad_());
  }
  auto forward = [&](const Tensor& x) {
    Tensor h = x;
    for (int l = 0; l < 4; ++l) {
      h = linear(h, params[2 * l], params[2 * l + 1]);
      if (l < 3) h = tanh(h);
    }
    return h;
  };
  auto accuracy = [&](const Tensor& x, const Tensor& y) {
    NoGradGuard no_grad;
    Tensor correct = eq(argmax(forward(x), 1).to(kFloat32), y.to(kFloat32));
    return mean(correct).item();
  };

  std::vector<Tensor> velocity;
  for (const Tensor& p : params) velocity.push_back(zeros_like(p));
  const double lr = 0.05, momentum = 0.9;
  const int64_t batch = 50, epochs = 200;
  auto start = std::chrono::steady_clock::now();
  for (int64_t epoch = 0; epoch < epochs; ++epoch) {
    Tensor order = randperm(1000, gen);
    for (int64_t b = 0; b < 1000; b += batch) {
      Tensor idx = slice_rows(order, b, b + batch);
      Tensor logits = forward(index_select(train_x, idx));
      Tensor target = index_select(train_y, idx).reshape({batch, 1});
      Tensor loss = neg(mean(gather(log_softmax(logits, 1), 1, target)));  // cross-entropy
      for (Tensor& p : params) {
        if (p.grad().defined()) p.grad().zero_();
      }
      loss.backward();
      NoGradGuard no_grad;
      for (size_t i = 0; i < params.size(); ++i) {  // v = mu v + g;  p -= lr v
        velocity[i].mul_(momentum).add_(params[i].grad());
        params[i].add_(velocity[i], -lr);
      }
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("disk, 2-25-25-25-2 tanh, SGD momentum, %lld epochs in %.3f s (%.0f epochs/s)\n",
              static_cast<long long>(epochs), seconds, epochs / seconds);
  std::printf("train accuracy %.2f%%, test accuracy %.2f%%\n", 100 * accuracy(train_x, train_y),
              100 * accuracy(test_x, test_y));
  return 0;
}

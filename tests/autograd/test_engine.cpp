// The backward engine: accumulation, graph freeing, retain_graph and its errors. record() and
// NoGradGuard: test_node.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "minidl/minidl.h"

namespace minidl {
namespace {

using ::testing::HasSubstr;

TEST(Autograd, TensorUsedTwiceGetsBothContributions) {
  Tensor x = tensor({3.0}, {}, kFloat64).requires_grad_();
  Tensor y = sum(x * x + x);  // dy/dx = 2x + 1 = 7
  y.backward();
  EXPECT_EQ(x.grad().item(), 7.0);
}

TEST(Autograd, GradientsAccumulateAcrossBackwardCalls) {
  Tensor x = tensor({2.0}, {}, kFloat64).requires_grad_();
  sum(x * 3.0).backward();
  sum(x * 3.0).backward();
  EXPECT_EQ(x.grad().item(), 6.0);
  x.grad().zero_();
  sum(x * 5.0).backward();
  EXPECT_EQ(x.grad().item(), 5.0);
}

TEST(Autograd, LeafGradsNeverAliasEachOther) {
  // add's backward hands the same dy to both inputs; the leaves must not share one buffer.
  Tensor a = zeros({3}, kFloat64).requires_grad_(), b = zeros({3}, kFloat64).requires_grad_();
  sum(a + b).backward();
  a.grad().add_(ones({3}, kFloat64));
  EXPECT_EQ(b.grad().to_vector(), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(a.grad().to_vector(), (std::vector<double>{2, 2, 2}));
}

TEST(Autograd, DiamondGraphRunsEachNodeOnce) {
  Tensor x = tensor({1.0, 2.0}, {}, kFloat64).requires_grad_();
  Tensor h = exp(x);
  Tensor y = sum(h * h + h);  // d/dx (e^{2x} + e^x) = 2 e^{2x} + e^x
  y.backward();
  for (int i = 0; i < 2; ++i) {
    double v = x.at({i});
    EXPECT_NEAR(x.grad().at({i}), 2 * std::exp(2 * v) + std::exp(v), 1e-12);
  }
}

TEST(Autograd, BackwardTwiceThroughFreedGraphIsAClearError) {
  Tensor x = ones({2}, kFloat64).requires_grad_();
  Tensor y = sum(exp(x));
  y.backward();
  try {
    y.backward();
    FAIL();
  } catch (const AutogradError& e) {
    EXPECT_THAT(e.what(), HasSubstr("second time"));
    EXPECT_THAT(e.what(), HasSubstr("retain_graph"));
  }
}

TEST(Autograd, RetainGraphAllowsASecondBackward) {
  Tensor x = ones({2}, kFloat64).requires_grad_();
  Tensor y = sum(exp(x));
  y.backward(Tensor(), /*retain_graph=*/true);
  y.backward();
  EXPECT_NEAR(x.grad().at({0}), 2 * std::exp(1.0), 1e-12);
}

TEST(Autograd, NonScalarNeedsAGradient) {
  Tensor x = ones({2, 3}).requires_grad_();
  Tensor y = x * 2.0;
  try {
    y.backward();
    FAIL();
  } catch (const AutogradError& e) {
    EXPECT_THAT(e.what(), HasSubstr("(2, 3)"));
  }
  EXPECT_THROW(y.backward(ones({3, 2})), ShapeError);
  y.backward(full({2, 3}, 0.5));
  EXPECT_EQ(x.grad().at({1, 2}), 1.0);
}

// A small training loop with raw ops: 10,000 steps must leave no node or storage behind.
TEST(Autograd, GraphIsFreedAfterBackwardOverManySteps) {
  Generator gen(0);
  Tensor w1 = uniform({8, 2}, -0.5, 0.5, gen).requires_grad_(), b1 = zeros({8}).requires_grad_();
  Tensor w2 = uniform({2, 8}, -0.5, 0.5, gen).requires_grad_(), b2 = zeros({2}).requires_grad_();
  Tensor x = rand({16, 2}, gen), labels = tensor(std::vector<int64_t>(16, 1));
  auto step = [&] {
    Tensor out = linear(tanh(linear(x, w1, b1)), w2, b2);
    Tensor loss = neg(mean(gather(log_softmax(out, 1), 1, labels.reshape({16, 1}))));
    for (Tensor* p : {&w1, &b1, &w2, &b2}) {
      if (p->grad().defined()) p->grad().zero_();
    }
    loss.backward();
    NoGradGuard no_grad;
    for (Tensor* p : {&w1, &b1, &w2, &b2}) p->add_(p->grad(), -0.1);
  };
  step();  // the first step creates the .grad buffers
  int64_t nodes = autograd::Node::live_count(), storages = Storage::live_count();
  for (int i = 0; i < 10000; ++i) step();
  EXPECT_EQ(autograd::Node::live_count(), nodes);
  EXPECT_EQ(Storage::live_count(), storages);
}

// The live counts are per-thread slots summed: a graph made on one thread and freed on another
// (a worker's result handed back) must count as a graph made and freed on one thread.
TEST(Autograd, LiveCountsAddUpAcrossThreads) {
  Tensor w = ones({2, 2}).requires_grad_();
  auto make = [&] { return relu(linear(ones({3, 2}), w)); };
  int64_t storages = Storage::live_count(), nodes = autograd::Node::live_count();
  Tensor here = make();
  int64_t graph_storages = Storage::live_count() - storages, graph_nodes = autograd::Node::live_count() - nodes;
  ASSERT_GT(graph_storages, 0);
  ASSERT_EQ(graph_nodes, 2);
  here = Tensor();
  Tensor made_elsewhere;
  std::thread([&] { made_elsewhere = make(); }).join();
  EXPECT_EQ(Storage::live_count(), storages + graph_storages);
  EXPECT_EQ(autograd::Node::live_count(), nodes + graph_nodes);
  made_elsewhere = Tensor();  // freed here, counted there
  EXPECT_EQ(Storage::live_count(), storages);
  EXPECT_EQ(autograd::Node::live_count(), nodes);
}

}  // namespace
}  // namespace minidl

// The embedding op: gradcheck of the weight, and PyTorch's rule that the padding row gets no
// gradient while every other row's is unchanged.
#include <gtest/gtest.h>

#include "minidl/minidl.h"
#include "support/gradcheck.h"

namespace minidl {
namespace {

TEST(EmbeddingOp, GradientsMatchFiniteDifferences) {
  Tensor idx = tensor(std::vector<int64_t>{1, 3, 1, 0, 4, 3}, {2, 3});
  Generator gen(1);
  testing::expect_gradients_match([&](const std::vector<Tensor>& in) { return embedding(in[0], idx); },
                             {randn({5, 4}, gen, kFloat64)});
}

TEST(EmbeddingOp, PaddingRowGetsNoGradientOthersUnchanged) {
  // Not a true derivative (the output does depend on the padding row), so no gradcheck: PyTorch's rule.
  Tensor idx = tensor(std::vector<int64_t>{1, 3, 1, 0, 4, 3}, {2, 3});
  Generator gen(2);
  Tensor w = randn({5, 4}, gen, kFloat64), dy = randn({2, 3, 4}, gen, kFloat64);
  Tensor a = w.clone().requires_grad_(), b = w.clone().requires_grad_();
  embedding(a, idx).backward(dy);
  embedding(b, idx, 3).backward(dy);
  std::vector<double> ga = a.grad().to_vector(), gb = b.grad().to_vector();
  for (int64_t i = 0; i < 20; ++i) EXPECT_EQ(gb[i], i / 4 == 3 ? 0.0 : ga[i]) << i;
  EXPECT_NE(ga[12], 0.0);
}

}  // namespace
}  // namespace minidl

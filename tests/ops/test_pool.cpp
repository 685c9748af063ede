// max_pool2d and avg_pool2d: PyTorch golden values (tools/golden/conv.py), the 2x2 fast path
// against the window rule, ties and NaNs, threads, gradchecks and error messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "minidl/minidl.h"
#include "support/error_of.h"
#include "support/golden.h"
#include "support/gradcheck.h"

namespace minidl {
namespace {

using testing::error_of;
using testing::expect_gradients_match;
using testing::Golden;
using ::testing::HasSubstr;
using testing::matches_golden;
using Inputs = std::vector<Tensor>;

void expect_pool_matches_golden(const std::string& name) {
  SCOPED_TRACE(name);
  Golden g("conv_ops.json");
  const auto& c = g[name];
  auto pair = [&](const char* key) { return Size2(c[key][0].get<int64_t>(), c[key][1].get<int64_t>()); };
  Tensor x = g.tensor(name + "/x").requires_grad_();
  Tensor y = name.rfind("max", 0) == 0 ? max_pool2d(x, pair("kernel_size"), pair("stride"), pair("padding"))
                                       : avg_pool2d(x, pair("kernel_size"), pair("stride"), pair("padding"));
  EXPECT_TRUE(matches_golden(y, g.tensor(name + "/y"))) << "y";
  y.backward(g.tensor(name + "/dy"));
  EXPECT_TRUE(matches_golden(x.grad(), g.tensor(name + "/dx"))) << "dx";
}

TEST(MaxPool2d, MatchesPyTorch) {
  for (const char* name : {"max_k2", "max_k3_s2_p1", "max_k23_s1", "max_f32"}) expect_pool_matches_golden(name);
}

// Large inputs are pooled plane by plane across the thread pool: the same bits as one thread,
// for the 2x2 fast path and the general window, forward and backward.
TEST(MaxPool2d, TwoThreadsGiveTheSameBitsAsOne) {
  const int threads = get_num_threads();
  for (Size2 kernel : {Size2(2), Size2(3, 2)}) {
    std::vector<std::vector<double>> results;
    for (int n : {1, 2}) {
      set_num_threads(n);
      Generator gen(11);
      Tensor x = randn({16, 32, 28, 28}, gen).requires_grad_();
      Tensor y = max_pool2d(x, kernel);
      Tensor r = randn(y.shape(), gen);
      sum(y * r).backward();
      std::vector<double> out = y.to_vector(), dx = x.grad().to_vector();
      out.insert(out.end(), dx.begin(), dx.end());
      results.push_back(out);
    }
    EXPECT_EQ(results[0], results[1]) << "kernel " << to_string(kernel);
  }
  set_num_threads(threads);
}

TEST(MaxPool2d, TiesSendTheGradientToTheFirstMaximumAsPyTorch) {
  expect_pool_matches_golden("max_ties");
  // One window of equal values: all of the gradient goes to element (0, 0).
  Tensor x = ones({1, 1, 2, 2}, kFloat64).requires_grad_();
  sum(max_pool2d(x, 2)).backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{1, 0, 0, 0}));
}

// As PyTorch: a NaN in a window is its maximum and takes the gradient (both paths, both dtypes).
TEST(MaxPool2d, ANanWinsItsWindow) {
  for (Dtype dtype : {kFloat32, kFloat64}) {
    for (Size2 kernel : {Size2(2), Size2(2, 3)}) {
      Tensor x = tensor({1.0, NAN, 3.0, 2.0, 0.0, 5.0}, {1, 1, 2, 3}, dtype).requires_grad_();
      Tensor y = max_pool2d(x, kernel, Size2(2), 0);
      ASSERT_EQ(y.numel(), 1);
      EXPECT_TRUE(std::isnan(y.item())) << to_string(kernel);
      sum(y).backward();
      EXPECT_EQ(x.grad().at({0, 0, 0, 1}), 1.0) << to_string(kernel);
    }
  }
}

// The 2x2 fast path against the window rule written out (the last NaN in row-major order wins,
// else the first maximum), on values with many ties and NaNs, for widths and heights that are
// even and odd, narrow rows (4 outputs, as LeNet's second pooling) and more rows than one block.
TEST(MaxPool2d, TwoByTwoFollowsTheWindowRuleWithTiesAndNans) {
  Generator gen(11);
  for (Dtype dtype : {kFloat32, kFloat64}) {
    for (Shape shape : {Shape{2, 3, 8, 8}, Shape{1, 2, 5, 7}, Shape{3, 4, 24, 24}, Shape{1, 1, 2, 2}, Shape{1, 3, 130, 9}}) {
      const int64_t n = shape[0] * shape[1], h = shape[2], w = shape[3], oh = h / 2, ow = w / 2;
      std::vector<double> values = (rand(shape, gen, kFloat64) * 3.0).to_vector();
      for (size_t i = 0; i < values.size(); ++i) {  // 0, 1 or 2, and about one element in 20 a NaN
        values[i] = std::floor(values[i]) == 2.0 && i % 7 == 3 ? NAN : std::floor(values[i]);
      }
      Tensor x = tensor(values, shape, dtype).requires_grad_();
      Tensor y = max_pool2d(x, 2);
      Tensor dy = rand(y.shape(), gen, dtype);
      y.backward(dy);
      std::vector<double> got = y.to_vector(), dx = x.grad().to_vector(), dys = dy.to_vector();
      std::vector<double> expected_dx(values.size(), 0.0);
      for (int64_t p = 0; p < n; ++p) {
        for (int64_t i = 0; i < oh; ++i) {
          for (int64_t j = 0; j < ow; ++j) {
            int64_t at = -1;
            double best = 0;
            for (int64_t k = 0; k < 4; ++k) {
              const int64_t pos = p * h * w + (2 * i + k / 2) * w + 2 * j + k % 2;
              const double v = values[pos];
              if (at < 0 || v > best || std::isnan(v)) at = pos, best = v;
            }
            const int64_t out = (p * oh + i) * ow + j;
            if (std::isnan(best)) {
              EXPECT_TRUE(std::isnan(got[out])) << to_string(shape) << " output " << out;
            } else {
              EXPECT_EQ(got[out], best) << to_string(shape) << " output " << out;
            }
            expected_dx[at] = dys[out];
          }
        }
      }
      EXPECT_EQ(dx, expected_dx) << to_string(shape) << " " << to_string(dtype);
    }
  }
}

TEST(AvgPool2d, MatchesPyTorch) {
  for (const char* name : {"avg_k2", "avg_k3_s2_p1", "avg_k23_s12"}) expect_pool_matches_golden(name);
}

// Distinct values, at least 0.05 apart, so no finite-difference step crosses a tie.
Tensor distinct_values(const Shape& shape, Generator& gen) {
  Tensor perm = randperm(shape.numel(), gen).to(kFloat64);
  return (perm * 0.05 - 1.0).reshape(shape);
}

TEST(Pool, GradientsMatchFiniteDifferences) {
  Generator gen(3);
  Tensor x = distinct_values({2, 2, 7, 6}, gen);
  expect_gradients_match([](const Inputs& in) { return max_pool2d(in[0], 2); }, {x});
  // The 2x2 fast path with an odd width and height: the last column and row get no gradient.
  expect_gradients_match([](const Inputs& in) { return max_pool2d(in[0], 2); }, {distinct_values({1, 2, 5, 7}, gen)});
  expect_gradients_match([](const Inputs& in) { return max_pool2d(in[0], 3, 2, 1); }, {x});
  expect_gradients_match([](const Inputs& in) { return max_pool2d(in[0], {2, 3}, Size2{1, 2}); }, {x});
  expect_gradients_match([](const Inputs& in) { return avg_pool2d(in[0], 2); }, {x});
  expect_gradients_match([](const Inputs& in) { return avg_pool2d(in[0], 3, 2, 1); }, {x});
  expect_gradients_match([](const Inputs& in) { return avg_pool2d(in[0], {3, 2}, Size2{1, 1}, {1, 0}); }, {x});
}

TEST(Pool, ErrorsNameTheShapes) {
  EXPECT_THAT(error_of([] {
                max_pool2d(zeros({1, 1, 3, 3}), 4);
              }),
              HasSubstr("max_pool2d: kernel (4, 4) is larger than the padded input (3, 3): input shape (1, 1, 3, 3)"));
  EXPECT_THAT(error_of([] { avg_pool2d(zeros({1, 3, 3}), 2); }), HasSubstr("avg_pool2d: expected a 4-D input"));
  EXPECT_THAT(error_of([] {
                max_pool2d(zeros({1, 1, 6, 6}), 2, 2, 2);
              }),
              HasSubstr("padding must be at most half the kernel size, got padding (2, 2) for kernel_size (2, 2)"));
  EXPECT_THAT(error_of([] { avg_pool2d(zeros({1, 1, 6, 6}), 0); }), HasSubstr("kernel_size (0, 0)"));
  EXPECT_THAT(error_of([] { max_pool2d(zeros({1, 1, 6, 6}, kInt64), 2); }), HasSubstr("int64"));
}

}  // namespace
}  // namespace minidl

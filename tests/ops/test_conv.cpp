// conv2d: the im2col + GEMM path against a plain-loop reference, PyTorch golden values
// (tools/golden/conv.py), gradchecks and error messages. oneDNN's float32 path against the im2col
// reference is in tests/core/test_onednn_conv.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <numeric>

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

// The plain-loop reference the fast path is tested against (STYLE.md 3.2):
// y[n][o][i][j] = b[o] + sum_{c,ki,kj} x[n][c][i*sh - ph + ki][j*sw - pw + kj] w[o][c][ki][kj].
std::vector<double> reference_conv2d(const Tensor& x, const Tensor& w, const Tensor& b, Size2 stride, Size2 padding) {
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), wd = x.size(3);
  const int64_t oc = w.size(0), kh = w.size(2), kw = w.size(3);
  const int64_t oh = (h + 2 * padding.h - kh) / stride.h + 1, ow = (wd + 2 * padding.w - kw) / stride.w + 1;
  std::vector<double> vx = x.to_vector(), vw = w.to_vector(), vb = b.defined() ? b.to_vector() : std::vector<double>();
  std::vector<double> y(n * oc * oh * ow, 0.0);
  for (int64_t in = 0; in < n; ++in)
    for (int64_t o = 0; o < oc; ++o)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          double total = vb.empty() ? 0.0 : vb[o];
          for (int64_t ch = 0; ch < c; ++ch)
            for (int64_t ki = 0; ki < kh; ++ki)
              for (int64_t kj = 0; kj < kw; ++kj) {
                int64_t r = i * stride.h - padding.h + ki, s = j * stride.w - padding.w + kj;
                if (r < 0 || r >= h || s < 0 || s >= wd) continue;
                total += vx[((in * c + ch) * h + r) * wd + s] * vw[((o * c + ch) * kh + ki) * kw + kj];
              }
          y[((in * oc + o) * oh + i) * ow + j] = total;
        }
  return y;
}

TEST(Conv2d, MatchesThePlainLoopReference) {
  Generator gen(0);
  struct Case {
    Shape x, w;
    Size2 stride, padding;
    bool bias;
  };
  for (const Case& c :
       {Case{{2, 3, 9, 7}, {4, 3, 3, 3}, 1, 0, true}, Case{{3, 2, 8, 8}, {5, 2, 5, 5}, 1, 2, false},
        Case{{2, 1, 10, 9}, {3, 1, 3, 2}, {2, 3}, {1, 2}, true}, Case{{1, 4, 6, 11}, {2, 4, 1, 1}, 2, 0, true},
        Case{{2, 2, 5, 5}, {3, 2, 4, 4}, 3, 3, true}, Case{{4, 1, 28, 28}, {8, 1, 5, 5}, 1, 0, true}}) {
    SCOPED_TRACE(to_string(c.x) + " * " + to_string(c.w));
    Tensor x = randn(c.x, gen, kFloat64), w = randn(c.w, gen, kFloat64);
    Tensor b = c.bias ? randn({c.w[0]}, gen, kFloat64) : Tensor();
    std::vector<double> expected = reference_conv2d(x, w, b, c.stride, c.padding),
                        y = conv2d(x, w, b, c.stride, c.padding).to_vector();
    ASSERT_EQ(y.size(), expected.size());
    for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], expected[i], 1e-12) << "element " << i;
  }
}

void expect_conv_matches_golden(const std::string& name) {
  SCOPED_TRACE(name);
  Golden g("conv_ops.json");
  const auto& c = g[name];
  Tensor x = g.tensor(name + "/x").requires_grad_(), w = g.tensor(name + "/w").requires_grad_();
  Tensor b = c.contains("b") ? g.tensor(name + "/b").requires_grad_() : Tensor();
  Size2 stride(c["stride"][0].get<int64_t>(), c["stride"][1].get<int64_t>());
  Size2 padding(c["padding"][0].get<int64_t>(), c["padding"][1].get<int64_t>());
  Tensor y = conv2d(x, w, b, stride, padding);
  EXPECT_TRUE(matches_golden(y, g.tensor(name + "/y"))) << "y";
  y.backward(g.tensor(name + "/dy"));
  EXPECT_TRUE(matches_golden(x.grad(), g.tensor(name + "/dx"))) << "dx";
  EXPECT_TRUE(matches_golden(w.grad(), g.tensor(name + "/dw"))) << "dw";
  if (b.defined()) {
    EXPECT_TRUE(matches_golden(b.grad(), g.tensor(name + "/db"))) << "db";
  }
}

TEST(Conv2d, MatchesPyTorch) {
  for (const char* name :
       {"conv_s1_p0", "conv_s2_p1", "conv_s1_p2_no_bias", "conv_s21_p10", "conv_s3_p2", "conv_f32"}) {
    expect_conv_matches_golden(name);
  }
}

TEST(Conv2d, GradientsMatchFiniteDifferences) {
  Generator gen(1);
  auto conv = [](Size2 stride, Size2 padding) {
    return [=](const Inputs& in) { return conv2d(in[0], in[1], in[2], stride, padding); };
  };
  expect_gradients_match(
      conv(1, 0), {randn({2, 2, 5, 4}, gen, kFloat64), randn({3, 2, 3, 2}, gen, kFloat64), randn({3}, gen, kFloat64)});
  expect_gradients_match(conv({2, 1}, {1, 2}), {randn({2, 3, 6, 5}, gen, kFloat64), randn({2, 3, 3, 3}, gen, kFloat64),
                                                randn({2}, gen, kFloat64)});
  expect_gradients_match([](const Inputs& in) { return conv2d(in[0], in[1], Tensor(), 2, 1); },
                         {randn({1, 2, 5, 5}, gen, kFloat64), randn({2, 2, 2, 2}, gen, kFloat64)});
}

// The bias gradient sums N*OH*OW elements per channel in 64 partial sums plus a tail: 2 images
// of 7x7 outputs (98 elements) take both.
TEST(Conv2d, BiasGradientIsTheSumOverImagesAndPositions) {
  Generator gen(9);
  for (Dtype dtype : {kFloat32, kFloat64}) {
    Tensor x = randn({2, 1, 9, 9}, gen, dtype), w = randn({3, 1, 3, 3}, gen, dtype);
    Tensor b = zeros({3}, dtype).requires_grad_();
    Tensor r = randn({2, 3, 7, 7}, gen, dtype);
    sum(conv2d(x, w, b) * r).backward();
    std::vector<double> vr = r.to_vector(), expected(3, 0.0);
    for (int64_t n = 0; n < 2; ++n)
      for (int64_t o = 0; o < 3; ++o)
        for (int64_t p = 0; p < 49; ++p) expected[o] += vr[(n * 3 + o) * 49 + p];
    std::vector<double> got = b.grad().to_vector();
    for (int64_t o = 0; o < 3; ++o) EXPECT_NEAR(got[o], expected[o], 1e-4) << "channel " << o;
  }
}

TEST(Conv2d, OnlyTheGradientsAskedForAreComputed) {
  Generator gen(2);
  Tensor x = randn({2, 1, 6, 6}, gen), w = randn({3, 1, 3, 3}, gen).requires_grad_(), b = zeros({3});
  sum(conv2d(x, w, b)).backward();
  EXPECT_TRUE(w.grad().defined());
  EXPECT_FALSE(x.grad().defined());
  EXPECT_FALSE(b.grad().defined());
  // No input requires grad: no graph.
  EXPECT_EQ(conv2d(x, w.detach(), b).grad_fn(), nullptr);
}

TEST(Conv2d, ErrorsNameTheShapes) {
  Tensor x = zeros({64, 3, 28, 28}), w = zeros({8, 1, 5, 5});
  EXPECT_THAT(error_of([&] { conv2d(x, w); }),
              HasSubstr("conv2d: input has 3 channels, expected 1 (weight (8, 1, 5, 5)): input shape (64, 3, 28, 28)"));
  EXPECT_THAT(error_of([&] {
                conv2d(zeros({1, 1, 2, 2}), w, Tensor(), 1, 1);
              }),
              HasSubstr("conv2d: kernel (5, 5) is larger than the padded input (4, 4): input shape (1, 1, 2, 2), "
                        "padding (1, 1)"));
  EXPECT_THAT(error_of([&] {
                conv2d(zeros({1, 28, 28}), w);
              }),
              HasSubstr("conv2d: expected a 4-D input (N, C, H, W), got shape (1, 28, 28)"));
  EXPECT_THAT(error_of([&] { conv2d(zeros({1, 1, 8, 8}), zeros({8, 1, 5})); }), HasSubstr("weight must be 4-D"));
  EXPECT_THAT(error_of([&] {
                conv2d(zeros({1, 1, 8, 8}), w, zeros({7}));
              }),
              HasSubstr("bias must have shape (8), got (7)"));
  EXPECT_THAT(error_of([&] { conv2d(zeros({1, 1, 8, 8}, kFloat64), w); }), HasSubstr("input float64, weight float32"));
  EXPECT_THAT(error_of([&] { conv2d(zeros({1, 1, 8, 8}), w, Tensor(), 0); }), HasSubstr("stride (0, 0)"));
  EXPECT_THAT(error_of([&] { conv2d(zeros({1, 1, 8, 8}), w, Tensor(), 1, {0, -1}); }), HasSubstr("padding (0, -1)"));
}

}  // namespace
}  // namespace minidl

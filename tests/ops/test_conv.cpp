// conv2d, max_pool2d, avg_pool2d and batch_norm: the im2col + GEMM path against a plain-loop
// reference, PyTorch golden values (tools/golden/conv.py), gradchecks and error messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <numeric>

#include "minidl/minidl.h"
#include "support/golden.h"
#include "support/gradcheck.h"

namespace minidl {
namespace {

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

// Runs f with the convolution kernel set to k, restoring the default afterwards.
template <class F>
auto with_conv_kernel(ConvKernel k, F f) {
  const ConvKernel before = conv_kernel();
  set_conv_kernel(k);
  struct Restore {
    ConvKernel k;
    ~Restore() { set_conv_kernel(k); }
  } restore{before};
  return f();
}

// y, dx, dw, db of sum(conv2d(x, w, b) * r) as one vector, float32.
std::vector<double> conv_outputs_and_gradients(const Shape& xs, const Shape& ws, Size2 stride, Size2 padding,
                                               bool bias) {
  Generator gen(3);
  Tensor x = randn(xs, gen).requires_grad_(), w = randn(ws, gen).requires_grad_();
  Tensor b = bias ? randn({ws[0]}, gen).requires_grad_() : Tensor();
  Tensor y = conv2d(x, w, b, stride, padding);
  Tensor r = randn(y.shape(), gen);
  sum(y * r).backward();
  std::vector<double> out = y.to_vector();
  for (const Tensor& t : {x.grad(), w.grad(), b.defined() ? b.grad() : Tensor()}) {
    if (!t.defined()) continue;
    std::vector<double> v = t.to_vector();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

// float32 convolutions run on oneDNN by default; im2col + GEMM is the reference they must match
// (up to float32 rounding: the two sum in different orders), forward and every gradient.
TEST(Conv2d, OneDnnMatchesTheIm2colReference) {
  struct Case {
    Shape x, w;
    Size2 stride, padding;
    bool bias;
  };
  for (const Case& c : {Case{{64, 1, 28, 28}, {8, 1, 5, 5}, 1, 0, true}, Case{{64, 8, 12, 12}, {16, 8, 5, 5}, 1, 0, true},
                        Case{{5, 3, 9, 7}, {4, 3, 3, 3}, 1, 1, false}, Case{{2, 1, 10, 9}, {3, 1, 3, 2}, {2, 3}, {1, 2}, true},
                        Case{{3, 32, 14, 14}, {64, 32, 3, 3}, 1, 1, true}, Case{{2, 2, 5, 5}, {3, 2, 4, 4}, 3, 3, true},
                        Case{{1, 17, 6, 11}, {2, 17, 1, 1}, 2, 0, true}}) {
    SCOPED_TRACE(to_string(c.x) + " * " + to_string(c.w));
    auto run = [&] { return conv_outputs_and_gradients(c.x, c.w, c.stride, c.padding, c.bias); };
    std::vector<double> fast = with_conv_kernel(ConvKernel::onednn, run);
    std::vector<double> reference = with_conv_kernel(ConvKernel::im2col_gemm, run);
    ASSERT_EQ(fast.size(), reference.size());
    double scale = 0.0;
    for (double v : reference) scale = std::max(scale, std::abs(v));
    for (size_t i = 0; i < fast.size(); ++i) ASSERT_NEAR(fast[i], reference[i], 1e-5 * scale) << "element " << i;
  }
}

// Same inputs, same thread count: the same bits, on one thread and on two.
TEST(Conv2d, OneDnnGivesTheSameBitsEveryTime) {
  const int threads = get_num_threads();
  for (int n : {1, 2}) {
    set_num_threads(n);
    auto run = [] { return conv_outputs_and_gradients({16, 8, 12, 12}, {16, 8, 5, 5}, 1, 2, true); };
    std::vector<double> first = with_conv_kernel(ConvKernel::onednn, run);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(with_conv_kernel(ConvKernel::onednn, run), first) << n << " threads";
  }
  set_num_threads(threads);
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
  auto error_of = [](const std::function<void()>& f) -> std::string {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
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

// ---- pooling -----------------------------------------------------------------------------------

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
  auto error_of = [](const std::function<void()>& f) -> std::string {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
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

// ---- batch_norm --------------------------------------------------------------------------------

TEST(BatchNorm, TrainingNormalisesEachChannelAndUpdatesTheRunningStatistics) {
  // Channel 0: 1, 3, 5, 7 (mean 4, biased var 5, unbiased 20/3); channel 1: all 2 (var 0).
  Tensor x = tensor({1, 2, 3, 2, 5, 2, 7, 2}, {4, 2}, kFloat64);
  Tensor rm = zeros({2}, kFloat64), rv = ones({2}, kFloat64);
  Tensor y = batch_norm(x, rm, rv, Tensor(), Tensor(), true, 0.1, 1e-5);
  EXPECT_NEAR(y.at({0, 0}), -3 / std::sqrt(5 + 1e-5), 1e-12);
  EXPECT_NEAR(y.at({3, 1}), 0.0, 1e-12);
  EXPECT_NEAR(rm.at({0}), 0.4, 1e-12);
  EXPECT_NEAR(rv.at({0}), 0.9 + 0.1 * 20.0 / 3.0, 1e-12);
  EXPECT_NEAR(rv.at({1}), 0.9, 1e-12);
  // Eval: the running statistics normalise, nothing changes.
  Tensor z = batch_norm(x, rm, rv, Tensor(), Tensor(), false, 0.1, 1e-5);
  EXPECT_NEAR(z.at({0, 0}), (1 - 0.4) / std::sqrt(rv.at({0}) + 1e-5), 1e-12);
  EXPECT_NEAR(rm.at({0}), 0.4, 1e-12);
}

TEST(BatchNorm, GradientsMatchFiniteDifferences) {
  Generator gen(4);
  for (bool training : {true, false}) {
    SCOPED_TRACE(training ? "training" : "eval");
    Tensor rm = randn({3}, gen, kFloat64), rv = uniform({3}, 0.5, 1.5, gen, kFloat64);
    auto bn = [=](const Inputs& in) { return batch_norm(in[0], rm, rv, in[1], in[2], training, 0.1, 1e-5); };
    Tensor w = uniform({3}, 0.5, 1.5, gen, kFloat64), b = randn({3}, gen, kFloat64);
    expect_gradients_match(bn, {randn({5, 3}, gen, kFloat64), w, b});
    expect_gradients_match(bn, {randn({2, 3, 4}, gen, kFloat64), w, b});
    expect_gradients_match(bn, {randn({2, 3, 3, 4}, gen, kFloat64), w, b});
    // Without affine parameters.
    expect_gradients_match([=](const Inputs& in) { return batch_norm(in[0], rm, rv, Tensor(), Tensor(), training); },
                           {randn({3, 3, 2, 2}, gen, kFloat64)});
  }
  // No running statistics: batch statistics even in eval mode.
  expect_gradients_match([](const Inputs& in) { return batch_norm(in[0], Tensor(), Tensor(), in[1], in[2], false); },
                         {randn({4, 2, 3}, gen, kFloat64), randn({2}, gen, kFloat64), randn({2}, gen, kFloat64)});
}

TEST(BatchNorm, Errors) {
  auto error_of = [](const std::function<void()>& f) -> std::string {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  Tensor rm = zeros({3}), rv = ones({3});
  EXPECT_THAT(error_of([&] {
                batch_norm(zeros({1, 3}), rm, rv, Tensor(), Tensor(), true);
              }),
              HasSubstr("batch_norm: expected more than 1 value per channel when training, got input shape (1, 3)"));
  EXPECT_THAT(error_of([&] {
                batch_norm(zeros({4, 2}), rm, rv, Tensor(), Tensor(), true);
              }),
              HasSubstr("batch_norm: running_mean must have shape (2) for input shape (4, 2), got (3)"));
  EXPECT_THAT(error_of([&] { batch_norm(zeros({4}), rm, rv, Tensor(), Tensor(), true); }),
              HasSubstr("expected an input with a channel dim (N, C, ...), got shape (4)"));
  EXPECT_THAT(error_of([&] {
                batch_norm(zeros({4, 3}, kFloat64), rm, rv, Tensor(), Tensor(), true);
              }),
              HasSubstr("running_mean is float32, input is float64"));
  EXPECT_THAT(error_of([&] {
                batch_norm(zeros({4, 3}), rm, Tensor(), Tensor(), Tensor(), true);
              }),
              HasSubstr("both be given or both be undefined"));
  // The failed call left the running statistics alone. A single value per channel is fine in eval.
  EXPECT_EQ(rm.to_vector(), (std::vector<double>{0, 0, 0}));
  EXPECT_NO_THROW(batch_norm(zeros({1, 3}), rm, rv, Tensor(), Tensor(), false));
}

}  // namespace
}  // namespace minidl

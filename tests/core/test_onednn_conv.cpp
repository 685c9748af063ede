// onednn_conv.h: oneDNN's float32 convolutions against the im2col + GEMM reference of
// ops/conv.cpp (set_conv_kernel), forward and both backward passes, through conv2d and called
// directly; the primitive cache (bias in its key, thread counts switched, more shapes than it
// holds); what it reports about itself.
// (conv2d has no groups or dilation, so neither is tested.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <regex>

#include "cpu.h"
#include "minidl/minidl.h"
#include "onednn_conv.h"

namespace minidl {
namespace {

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

// --- The functions of onednn_conv.h called directly, against the im2col reference. ---

struct Case {
  Shape x, w;
  Size2 stride, padding;
  bool bias;
};

onednn::ConvShape conv_shape(const Case& c) {
  const int64_t oh = (c.x[2] + 2 * c.padding.h - c.w[2]) / c.stride.h + 1;
  const int64_t ow = (c.x[3] + 2 * c.padding.w - c.w[3]) / c.stride.w + 1;
  return {c.x[0], c.x[1], c.x[2], c.x[3], c.w[0], c.w[2], c.w[3], c.stride.h, c.stride.w,
          c.padding.h, c.padding.w, oh, ow, c.bias};
}

// Inputs of a case, and the reference's y, dx, dw and db for output gradient dy.
struct Problem {
  Tensor x, w, b, dy;
  Tensor y, dx, dw, db;  // im2col + GEMM
};

Problem problem(const Case& c, uint64_t seed) {
  Generator gen(seed);
  Problem p;
  p.x = randn(c.x, gen);
  p.w = randn(c.w, gen);
  if (c.bias) p.b = randn({c.w[0]}, gen);
  with_conv_kernel(ConvKernel::im2col_gemm, [&] {
    Tensor x = p.x.detach().requires_grad_(), w = p.w.detach().requires_grad_();
    Tensor b = c.bias ? p.b.detach().requires_grad_() : Tensor();
    Tensor y = conv2d(x, w, b, c.stride, c.padding);
    p.dy = randn(y.shape(), gen);
    y.backward(p.dy);
    p.y = y.detach();
    p.dx = x.grad();
    p.dw = w.grad();
    if (c.bias) p.db = b.grad();
    return 0;
  });
  return p;
}

// |got - expected| within float32 rounding of the largest expected magnitude.
void expect_close(const Tensor& got, const Tensor& expected, const char* what) {
  ASSERT_EQ(got.shape(), expected.shape()) << what;
  std::vector<double> g = got.to_vector(), e = expected.to_vector();
  double scale = 1e-30;
  for (double v : e) scale = std::max(scale, std::abs(v));
  for (size_t i = 0; i < g.size(); ++i) ASSERT_NEAR(g[i], e[i], 1e-5 * scale) << what << " element " << i;
}

Tensor forward(const Case& c, const Problem& p) {
  Tensor y = Tensor::empty(p.y.shape(), kFloat32);
  onednn::conv_forward(conv_shape(c), p.x.data<float>(), p.w.data<float>(), c.bias ? p.b.data<float>() : nullptr,
                       y.data<float>());
  return y;
}

Tensor backward_data(const Case& c, const Problem& p) {
  Tensor dx = full(c.x, 123.0);  // overwritten, not added to
  onednn::conv_backward_data(conv_shape(c), p.w.data<float>(), p.dy.data<float>(), dx.data<float>());
  return dx;
}

std::pair<Tensor, Tensor> backward_weights(const Case& c, const Problem& p) {
  Tensor dw = full(c.w, 123.0), db = c.bias ? full({c.w[0]}, 123.0) : Tensor();
  onednn::conv_backward_weights(conv_shape(c), p.x.data<float>(), p.dy.data<float>(), dw.data<float>(),
                                c.bias ? db.data<float>() : nullptr);
  return {dw, db};
}

const std::vector<Case>& direct_cases() {
  static const std::vector<Case> cases = {
      Case{{2, 3, 9, 7}, {4, 3, 3, 3}, 1, 0, true},         Case{{3, 2, 8, 8}, {5, 2, 5, 5}, 1, 2, false},
      Case{{2, 1, 10, 9}, {3, 1, 3, 2}, {2, 3}, {1, 2}, true}, Case{{1, 4, 6, 11}, {2, 4, 1, 1}, 2, 0, true},
      Case{{2, 2, 5, 5}, {3, 2, 4, 4}, 3, 3, true},         Case{{2, 19, 7, 7}, {21, 19, 3, 3}, 2, 1, false},
      Case{{4, 16, 6, 6}, {32, 16, 3, 3}, 1, 1, true}};
  return cases;
}

TEST(OneDnnConv, ForwardAndBothBackwardsMatchTheIm2colReference) {
  uint64_t seed = 10;
  for (const Case& c : direct_cases()) {
    SCOPED_TRACE(to_string(c.x) + " * " + to_string(c.w) + ", stride " + to_string(c.stride) + ", padding " +
                 to_string(c.padding) + (c.bias ? ", bias" : ""));
    Problem p = problem(c, seed++);
    expect_close(forward(c, p), p.y, "y");
    expect_close(backward_data(c, p), p.dx, "dx");
    auto [dw, db] = backward_weights(c, p);
    expect_close(dw, p.dw, "dw");
    if (c.bias) expect_close(db, p.db, "db");
  }
}

// The backward primitives are built on first use, from the forward one: a shape whose first call
// is a backward pass (either one) gets it right too.
TEST(OneDnnConv, ABackwardPassCanComeFirst) {
  const Case data_first{{3, 5, 11, 10}, {6, 5, 3, 3}, {1, 2}, {2, 1}, true};
  Problem p = problem(data_first, 20);
  expect_close(backward_data(data_first, p), p.dx, "dx");
  expect_close(backward_weights(data_first, p).first, p.dw, "dw");
  expect_close(forward(data_first, p), p.y, "y");

  const Case weights_first{{3, 5, 11, 10}, {6, 5, 3, 3}, {2, 1}, {1, 2}, true};
  Problem q = problem(weights_first, 21);
  auto [dw, db] = backward_weights(weights_first, q);
  expect_close(dw, q.dw, "dw");
  expect_close(db, q.db, "db");
  expect_close(backward_data(weights_first, q), q.dx, "dx");
}

// The same geometry with and without a bias are two cache entries: alternating them, neither
// call uses the other's primitive (a bias primitive reading a null bias, or dropping the bias).
TEST(OneDnnConv, BiasIsPartOfTheCacheKey) {
  const Case with{{2, 3, 8, 8}, {4, 3, 3, 3}, 1, 1, true}, without{{2, 3, 8, 8}, {4, 3, 3, 3}, 1, 1, false};
  Problem pw = problem(with, 30), po = problem(without, 31);
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    expect_close(forward(with, pw), pw.y, "y with bias");
    expect_close(forward(without, po), po.y, "y without bias");
    auto [dw, db] = backward_weights(with, pw);
    expect_close(db, pw.db, "db");
    expect_close(backward_weights(without, po).first, po.dw, "dw without bias");
  }
}

// oneDNN splits a primitive's work for the thread count it was built for, so the count is part of
// the cache key: switching 1 -> 2 -> 1 -> 2 threads, every call matches the reference, and the
// same count gives the same bits as before the switch. NOTE: this cannot show the key holds the
// count (a key without it passed too, as oneDNN's kernels tolerate the mismatch on this CPU); it
// shows that switching counts between calls of one shape is safe.
TEST(OneDnnConv, SwitchingThreadCountsKeepsResultsRightAndRepeatable) {
  const int before = get_num_threads();
  const Case c{{8, 16, 12, 12}, {16, 16, 3, 3}, 1, 1, true};
  Problem p = problem(c, 40);
  std::vector<std::vector<double>> results;
  for (int threads : {1, 2, 1, 2}) {
    set_num_threads(threads);
    SCOPED_TRACE(std::to_string(threads) + " threads");
    Tensor y = forward(c, p), dx = backward_data(c, p);
    auto [dw, db] = backward_weights(c, p);
    expect_close(y, p.y, "y");
    expect_close(dx, p.dx, "dx");
    expect_close(dw, p.dw, "dw");
    expect_close(db, p.db, "db");
    std::vector<double> all = y.to_vector();
    for (const Tensor& t : {dx, dw, db}) {
      std::vector<double> v = t.to_vector();
      all.insert(all.end(), v.begin(), v.end());
    }
    results.push_back(all);
  }
  set_num_threads(before);
  EXPECT_EQ(results[2], results[0]) << "1 thread, after 2";
  EXPECT_EQ(results[3], results[1]) << "2 threads, after 1";
}

// The cache holds at most 64 entries and then starts again: after more shapes than that, the
// first shape is rebuilt and still right.
TEST(OneDnnConv, ManyShapesStillGiveRightResults) {
  const Case first{{1, 2, 6, 6}, {3, 2, 3, 3}, 1, 0, true};
  Problem p = problem(first, 50);
  expect_close(forward(first, p), p.y, "y before the sweep");
  Generator gen(51);
  for (int64_t h = 3; h < 3 + 70; ++h) {
    const Case c{{1, 2, h, 4}, {3, 2, 3, 3}, 1, 1, false};
    Tensor x = randn(c.x, gen), w = randn(c.w, gen);
    Tensor y = Tensor::empty({1, 3, h, 4}, kFloat32);
    onednn::conv_forward(conv_shape(c), x.data<float>(), w.data<float>(), nullptr, y.data<float>());
    if (h % 23 == 0) {  // a few of them against the reference
      Tensor expected = with_conv_kernel(ConvKernel::im2col_gemm, [&] { return conv2d(x, w, Tensor(), 1, 1); });
      expect_close(y, expected, "y in the sweep");
    }
  }
  expect_close(forward(first, p), p.y, "y after the sweep");
  expect_close(backward_data(first, p), p.dx, "dx after the sweep");
}

// What `minidl info --system` and the benchmarks print: an implementation name per shape (stable
// for a shape), the ISA (matching this CPU's widest vectors unless capped by the environment),
// and a "major.minor.patch" version.
TEST(OneDnnConv, ReportsItsImplementationIsaAndVersion) {
  const onednn::ConvShape s = conv_shape(direct_cases()[0]);
  const std::string implementation = onednn::conv_implementation(s);
  EXPECT_FALSE(implementation.empty());
  EXPECT_EQ(onednn::conv_implementation(s), implementation);
  EXPECT_TRUE(std::regex_match(onednn::version(), std::regex(R"(\d+\.\d+\.\d+)"))) << onednn::version();
  if (std::getenv("ONEDNN_MAX_CPU_ISA") || std::getenv("DNNL_MAX_CPU_ISA")) return;
  const std::string isa = onednn::max_isa();
  switch (cpu::this_cpu().widest) {
    case cpu::Vectors::avx512: EXPECT_THAT(isa, ::testing::AnyOf(::testing::StartsWith("avx512"), "other")); break;
    case cpu::Vectors::avx2: EXPECT_THAT(isa, ::testing::AnyOf(::testing::StartsWith("avx2"), "other")); break;
    case cpu::Vectors::avx: EXPECT_EQ(isa, "avx"); break;
    case cpu::Vectors::sse: EXPECT_THAT(isa, ::testing::AnyOf("sse41", "other")); break;
  }
}

}  // namespace
}  // namespace minidl

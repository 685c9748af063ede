// Recurrent layer ops: each fused op against the same recurrence written with the plain ops
// (linear, sigmoid, tanh, mul: the reference), float64 gradchecks of every input in both
// directions, and shape errors. The modules' PyTorch golden values are in tests/nn/test_rnn.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "minidl/minidl.h"
#include "support/golden.h"
#include "support/gradcheck.h"

using namespace minidl;
namespace mt = minidl::testing;
using ::testing::HasSubstr;

namespace {

constexpr int64_t T = 4, N = 3, H = 2;

Tensor row(const Tensor& x, int64_t t) { return reshape(narrow(x, 0, t, 1), {x.size(1), x.size(2)}); }
Tensor gate(const Tensor& a, int64_t k) { return narrow(a, 1, k * H, H); }

// The plain-op reference of each layer: one step at a time, PyTorch's formulas.
RecurrentResult reference(const std::string& mode, const Tensor& xp, const Tensor& w, const Tensor& b, Tensor h,
                          Tensor c, bool reverse) {
  std::vector<Tensor> outs(T);
  for (int64_t s = 0; s < T; ++s) {
    int64_t t = reverse ? T - 1 - s : s;
    Tensor x = row(xp, t);
    Tensor u = linear(h, w, b);  // h W_hh^T + b_hh
    if (mode == "lstm") {
      Tensor a = x + u;
      Tensor i = sigmoid(gate(a, 0)), f = sigmoid(gate(a, 1)), g = tanh(gate(a, 2)), o = sigmoid(gate(a, 3));
      c = f * c + i * g;
      h = o * tanh(c);
    } else if (mode == "gru") {
      Tensor r = sigmoid(gate(x, 0) + gate(u, 0)), z = sigmoid(gate(x, 1) + gate(u, 1));
      Tensor n = tanh(gate(x, 2) + r * gate(u, 2));
      h = (1.0 - z) * n + z * h;
    } else {
      h = mode == "relu" ? relu(x + u) : tanh(x + u);
    }
    outs[t] = unsqueeze(h, 0);
  }
  return {concat(outs, 0), h, c};
}

RecurrentResult fused(const std::string& mode, const Tensor& xp, const Tensor& w, const Tensor& b, const Tensor& h,
                      const Tensor& c, bool reverse) {
  if (mode == "lstm") return lstm_layer(xp, w, b, h, c, reverse);
  if (mode == "gru") return gru_layer(xp, w, b, h, reverse);
  return rnn_layer(xp, w, b, h, reverse, mode == "relu" ? RnnNonlinearity::relu : RnnNonlinearity::tanh);
}

int64_t gates_of(const std::string& mode) { return mode == "lstm" ? 4 : mode == "gru" ? 3 : 1; }

}  // namespace

TEST(RecurrentOps, MatchThePlainOpReference) {
  for (std::string mode : {"tanh", "relu", "lstm", "gru"}) {
    for (bool reverse : {false, true}) {
      for (Dtype dtype : {kFloat64, kFloat32}) {
        SCOPED_TRACE(mode + (reverse ? " reverse " : " ") + to_string(dtype));
        Generator gen(1);
        int64_t g = gates_of(mode);
        Tensor xp = randn({T, N, g * H}, gen, dtype), w = randn({g * H, H}, gen, dtype), b = randn({g * H}, gen, dtype);
        Tensor h = randn({N, H}, gen, dtype), c = randn({N, H}, gen, dtype);
        RecurrentResult want = reference(mode, xp, w, b, h, c, reverse);
        RecurrentResult got = fused(mode, xp, w, b, h, mode == "lstm" ? c : Tensor(), reverse);
        double tol = dtype == kFloat64 ? 1e-12 : 2e-6;
        EXPECT_TRUE(mt::all_close(got.output, want.output, tol, tol));
        EXPECT_TRUE(mt::all_close(got.h_n, want.h_n, tol, tol));
        if (mode == "lstm") {
          EXPECT_TRUE(mt::all_close(got.c_n, want.c_n, tol, tol));
        }
      }
    }
  }
}

TEST(RecurrentOps, GradientsMatchFiniteDifferences) {
  for (std::string mode : {"tanh", "relu", "lstm", "gru"}) {
    for (bool reverse : {false, true}) {
      for (bool bias : {true, false}) {
        SCOPED_TRACE(mode + (reverse ? " reverse" : "") + (bias ? " bias" : ""));
        Generator gen(2);
        int64_t g = gates_of(mode);
        std::vector<Tensor> in{randn({T, N, g * H}, gen, kFloat64), randn({g * H, H}, gen, kFloat64),
                               randn({N, H}, gen, kFloat64), randn({N, H}, gen, kFloat64)};
        if (bias) in.push_back(randn({g * H}, gen, kFloat64));
        mt::expect_gradients_match(
            [&](const std::vector<Tensor>& x) {
              Tensor b = bias ? x[4] : Tensor();
              RecurrentResult r = fused(mode, x[0], x[1], b, x[2], mode == "lstm" ? x[3] : Tensor(), reverse);
              std::vector<Tensor> parts{flatten(r.output), flatten(r.h_n)};
              if (mode == "lstm") parts.push_back(flatten(r.c_n));
              return concat(parts, 0);
            },
            in);
      }
    }
  }
}

TEST(RecurrentOps, OneStepPerCallEqualsOneCall) {
  // T calls of one step, the state carried, give the T-step call's numbers (the cells rely on it).
  Generator gen(3);
  Tensor xp = randn({T, N, 4 * H}, gen, kFloat64), w = randn({4 * H, H}, gen, kFloat64);
  RecurrentResult whole = lstm_layer(xp, w, Tensor(), Tensor(), Tensor(), false);
  Tensor h, c;
  for (int64_t t = 0; t < T; ++t) {
    RecurrentResult r = lstm_layer(narrow(xp, 0, t, 1), w, Tensor(), h, c, false);
    h = r.h_n;
    c = r.c_n;
  }
  EXPECT_TRUE(mt::all_close(h, whole.h_n, 1e-14, 1e-14));
  EXPECT_TRUE(mt::all_close(c, whole.c_n, 1e-14, 1e-14));
}

TEST(RecurrentOps, ShapeErrorsNameTheOpAndShapes) {
  Tensor xp = zeros({T, N, 4 * H});
  auto message = [](auto f) {
    try {
      f();
    } catch (const ShapeError& e) {
      return std::string(e.what());
    }
    return std::string("no ShapeError");
  };
  EXPECT_THAT(message([&] { lstm_layer(xp, zeros({3 * H, H}), Tensor(), Tensor(), Tensor(), false); }),
              HasSubstr("lstm: w_hh must be (4 * hidden_size, hidden_size)"));
  EXPECT_THAT(message([&] { gru_layer(xp, zeros({3 * H, H}), Tensor(), Tensor(), false); }),
              HasSubstr("gru: xp must be (T, N, 6) (xp (4, 3, 8), w_hh (6, 2)"));
  EXPECT_THAT(message([&] { lstm_layer(xp, zeros({4 * H, H}), Tensor(), zeros({N + 1, H}), Tensor(), false); }),
              HasSubstr("h0 must be (N, hidden_size) = (3, 2)"));
  EXPECT_THAT(message([&] { rnn_layer(zeros({0, N, H}), zeros({H, H}), Tensor(), Tensor(), false); }),
              HasSubstr("must be > 0"));
}

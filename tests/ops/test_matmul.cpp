// matmul, mm with transpose flags and linear: against a plain-loop reference, gradchecks, errors.
#include <cmath>
#include <tuple>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "minidl/minidl.h"
#include "support/gradcheck.h"

namespace minidl {
namespace {

using ::testing::HasSubstr;
using testing::expect_gradients_match;
using Inputs = std::vector<Tensor>;

// The plain-loop reference that the BLAS path is tested against: y[i][j] = sum_k a[i][k] b[k][j].
std::vector<double> reference_matmul(const Tensor& a, const Tensor& b) {
  int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  std::vector<double> va = a.to_vector(), vb = b.to_vector(), y(m * n, 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p)
      for (int64_t j = 0; j < n; ++j) y[i * n + j] += va[i * k + p] * vb[p * n + j];
  return y;
}

void expect_near(const std::vector<double>& a, const std::vector<double>& b, double tol) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], tol) << "element " << i;
}

TEST(Matmul, MatchesThePlainLoopReference) {
  Generator gen(0);
  for (Dtype dtype : {kFloat32, kFloat64}) {
    Tensor a = randn({7, 5}, gen, dtype), b = randn({5, 3}, gen, dtype);
    expect_near(matmul(a, b).to_vector(), reference_matmul(a, b), 1e-5);
    // Transpose flags give the products of transposed operands without copies.
    expect_near(mm(a.t(), true, b, false).to_vector(), reference_matmul(a, b), 1e-5);
    expect_near(mm(a, false, b.t(), true).to_vector(), reference_matmul(a, b), 1e-5);
    expect_near(mm(b, true, a, true).to_vector(), reference_matmul(b.t(), a.t()), 1e-5);  // b^T a^T
  }
}

// float32 products run on the kernel kernels.h chose for this CPU; both candidates must give the
// product under every flag combination, for shapes on both sides of the thread pool's split
// (2^22 multiply-adds), and the same bits every time.
TEST(Matmul, EveryGemmKernelMatchesTheReference) {
  const GemmKernel chosen = gemm_kernel();
  const int threads = get_num_threads();
  Generator gen(5);
  const SmallGemmKernel small_chosen = small_gemm_kernel();
  for (auto [kernel, small] : {std::pair{GemmKernel::openblas, SmallGemmKernel::like_large},
                               std::pair{GemmKernel::onednn, SmallGemmKernel::like_large},
                               std::pair{GemmKernel::openblas, SmallGemmKernel::libxsmm}}) {
    set_gemm_kernel(kernel);
    set_small_gemm_kernel(small);
    SCOPED_TRACE(to_string(kernel) + ", small products " + to_string(small));
    for (auto [m, k, n] : {std::tuple<int64_t, int64_t, int64_t>{50, 25, 25}, {3, 7, 5}, {300, 200, 100}}) {
      Tensor a = randn({m, k}, gen), b = randn({k, n}, gen);
      std::vector<double> expected = reference_matmul(a, b);
      const double tol = 1e-4 * std::sqrt(static_cast<double>(k));
      for (int t : {1, 2}) {
        set_num_threads(t);
        expect_near(mm(a, false, b, false).to_vector(), expected, tol);
        expect_near(mm(a.t(), true, b, false).to_vector(), expected, tol);
        expect_near(mm(a, false, b.t(), true).to_vector(), expected, tol);
        expect_near(mm(a.t(), true, b.t(), true).to_vector(), expected, tol);
        EXPECT_EQ(mm(a, false, b.t(), true).to_vector(), mm(a, false, b.t(), true).to_vector());
      }
    }
  }
  set_gemm_kernel(chosen);
  set_small_gemm_kernel(small_chosen);
  set_num_threads(threads);
}

// libxsmm computes y += op(a) op(b) when the caller accumulates (beta = 1), e.g. a weight used
// twice in one graph gets the sum of both products in its gradient.
TEST(Matmul, SmallProductsAccumulateThroughLibxsmm) {
  const SmallGemmKernel chosen = small_gemm_kernel();
  Generator gen(6);
  Tensor x = randn({50, 25}, gen), w = randn({25, 25}, gen);
  std::vector<std::vector<double>> grads;
  for (SmallGemmKernel small : {SmallGemmKernel::libxsmm, SmallGemmKernel::like_large}) {
    set_small_gemm_kernel(small);
    Tensor wg = w.detach().requires_grad_();
    sum(matmul(matmul(x, wg), wg)).backward();
    grads.push_back(wg.grad().to_vector());
  }
  set_small_gemm_kernel(chosen);
  expect_near(grads[0], grads[1], 1e-3);
}

// blas.cpp remembers libxsmm's kernel for the last 16 product shapes per thread: 24 shapes that
// differ in one size at a time, under both flags of a, twice over (the second round after the
// first ones were replaced), must each get their own product.
TEST(Matmul, SmallProductsGetTheirOwnKernelWhenShapesChange) {
  const SmallGemmKernel chosen = small_gemm_kernel();
  set_small_gemm_kernel(SmallGemmKernel::libxsmm);
  Generator gen(8);
  for (int round = 0; round < 2; ++round) {
    for (int64_t s = 0; s < 24; ++s) {
      int64_t m = 3 + s % 4, k = 5 + s % 3, n = 2 + s / 4;
      Tensor a = randn({m, k}, gen), b = randn({k, n}, gen);
      SCOPED_TRACE("round " + std::to_string(round) + ", " + std::to_string(m) + "x" + std::to_string(k) + " times " +
                   std::to_string(k) + "x" + std::to_string(n));
      std::vector<double> expected = reference_matmul(a, b);
      expect_near(mm(a, false, b, false).to_vector(), expected, 1e-4);
      expect_near(mm(a.t(), true, b, false).to_vector(), expected, 1e-4);
    }
  }
  set_small_gemm_kernel(chosen);
}

// One row times a transposed b goes to BLAS's gemv (blas.cpp): both layouts of the row.
TEST(Matmul, OneRowTimesTransposedMatchesTheReference) {
  Generator gen(4);
  for (Dtype dtype : {kFloat32, kFloat64}) {
    Tensor a = randn({1, 25}, gen, dtype), b = randn({25, 7}, gen, dtype);
    expect_near(mm(a, false, b.t(), true).to_vector(), reference_matmul(a, b), 1e-5);
    expect_near(mm(a.t(), true, b.t(), true).to_vector(), reference_matmul(a, b), 1e-5);  // a stored as a column
    Tensor y = ones({1, 7}, dtype), w = b.t();
    expect_near(linear(a, w, ones({7}, dtype)).to_vector(), (tensor(reference_matmul(a, b), {1, 7}, dtype) + y).to_vector(),
                1e-5);
  }
}

// Outer products (k = 1) drop the flag of a one-element-wide operand (blas.cpp): all four flag
// combinations must still give the product.
TEST(Matmul, OuterProductsUnderEveryFlag) {
  Generator gen(8);
  for (Dtype dtype : {kFloat32, kFloat64}) {
    for (auto [m, n] : {std::pair<int64_t, int64_t>{25, 25}, {2, 25}, {25, 1}, {1, 7}}) {
      Tensor a = randn({m, 1}, gen, dtype), b = randn({1, n}, gen, dtype);
      std::vector<double> expected = reference_matmul(a, b);
      expect_near(mm(a, false, b, false).to_vector(), expected, 1e-5);
      expect_near(mm(a.t(), true, b, false).to_vector(), expected, 1e-5);
      expect_near(mm(a, false, b.t(), true).to_vector(), expected, 1e-5);
      expect_near(mm(a.t(), true, b.t(), true).to_vector(), expected, 1e-5);
    }
  }
}

TEST(Matmul, BatchedAndVectorForms) {
  Generator gen(1);
  Tensor a = randn({2, 3, 4}, gen), b = randn({2, 4, 5}, gen);
  Tensor y = matmul(a, b);
  EXPECT_EQ(y.shape(), Shape({2, 3, 5}));
  expect_near(narrow(y, 0, 1, 1).reshape({3, 5}).to_vector(),
              reference_matmul(narrow(a, 0, 1, 1).reshape({3, 4}), narrow(b, 0, 1, 1).reshape({4, 5})), 1e-5);
  Tensor w = randn({4, 6}, gen);
  EXPECT_EQ(matmul(a, w).shape(), Shape({2, 3, 6}));
  Tensor v = randn({4}, gen);
  EXPECT_EQ(matmul(a, v).shape(), Shape({2, 3}));
  EXPECT_EQ(matmul(v, w).shape(), Shape({6}));
  EXPECT_EQ(matmul(v, v).dim(), 0);
  EXPECT_NEAR(matmul(v, v).item(), sum(v * v).item(), 1e-5);
}

TEST(Matmul, GradientsMatchFiniteDifferences) {
  Generator gen(2);
  auto r = [&](const Shape& s) { return randn(s, gen, kFloat64); };
  expect_gradients_match([](const Inputs& in) { return matmul(in[0], in[1]); }, {r({3, 4}), r({4, 2})});
  expect_gradients_match([](const Inputs& in) { return mm(in[0], true, in[1], false); }, {r({4, 3}), r({4, 2})});
  expect_gradients_match([](const Inputs& in) { return mm(in[0], false, in[1], true); }, {r({3, 4}), r({2, 4})});
  expect_gradients_match([](const Inputs& in) { return mm(in[0], true, in[1], true); }, {r({4, 3}), r({2, 4})});
  expect_gradients_match([](const Inputs& in) { return matmul(in[0], in[1]); }, {r({2, 3, 4}), r({2, 4, 2})});
  expect_gradients_match([](const Inputs& in) { return matmul(in[0], in[1]); }, {r({2, 3, 4}), r({4, 2})});
  expect_gradients_match([](const Inputs& in) { return matmul(in[0], in[1]); }, {r({4}), r({4, 2})});
  expect_gradients_match([](const Inputs& in) { return matmul(in[0], in[0]); }, {r({3, 3})});  // used twice
  expect_gradients_match([](const Inputs& in) { return linear(in[0], in[1], in[2]); }, {r({5, 3}), r({4, 3}), r({4})});
  expect_gradients_match([](const Inputs& in) { return linear(in[0], in[1]); }, {r({5, 3}), r({4, 3})});
  expect_gradients_match([](const Inputs& in) { return linear(in[0], in[1], in[2]); }, {r({1, 3}), r({4, 3}), r({4})});
  expect_gradients_match([](const Inputs& in) { return linear(in[0], in[1], in[2]); },
                         {r({2, 5, 3}), r({4, 3}), r({4})});
}

TEST(Linear, EqualsMatmulPlusBias) {
  Generator gen(3);
  for (int64_t n : {0, 1, 2, 3, 6, 50}) {  // the bias is copied into rows by doubling blocks
    Tensor x = randn({n, 3}, gen), w = randn({4, 3}, gen), b = randn({4}, gen);
    expect_near(linear(x, w, b).to_vector(), (matmul(x, w.t()) + b).to_vector(), 1e-5);
  }
}

// The bias gradient's column sums take three paths by width (a few columns, columns that tile a
// vector, whole vectors with an overlapping last block): each must be the plain sum over rows.
TEST(Linear, BiasGradientIsTheSumOverRowsForEveryWidth) {
  Generator gen(7);
  for (Dtype dtype : {kFloat32, kFloat64}) {
    for (int64_t c : {1, 2, 3, 4, 5, 8, 15, 16, 17, 25, 33, 40}) {
      for (int64_t n : {0, 1, 3, 7, 50}) {
        Tensor b = zeros({c}, dtype).requires_grad_();
        Tensor r = randn({n, c}, gen, dtype);
        sum(linear(ones({n, 2}, dtype), zeros({c, 2}, dtype), b) * r).backward();
        std::vector<double> expected(static_cast<size_t>(c), 0.0), vr = r.to_vector();
        for (int64_t i = 0; i < n; ++i)
          for (int64_t j = 0; j < c; ++j) expected[j] += vr[i * c + j];
        expect_near(b.grad().to_vector(), expected, 1e-5);
      }
    }
  }
}

TEST(Matmul, ErrorsNameBothShapes) {
  try {
    (void)matmul(ones({50, 24}), ones({25, 1}));
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("matmul: inner dimensions differ: a is (50, 24), b is (25, 1)"));
  }
  try {
    (void)linear(ones({50, 24}), ones({25, 25}));
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("linear: input has 24 features, expected 25"));
  }
  EXPECT_THROW(linear(ones({5, 3}), ones({4, 3}), ones({5})), ShapeError);
  EXPECT_THROW(matmul(ones({2, 3, 4}), ones({3, 4, 2})), ShapeError);
  EXPECT_THROW(matmul(ones({2, 3}), ones({3, 2}, kFloat64)), DtypeError);
  EXPECT_THROW(matmul(scalar_tensor(1.0), ones({1})), ShapeError);
}

TEST(Matmul, EmptyInnerDimensionGivesZeros) {
  Tensor y = matmul(ones({3, 0}), ones({0, 2}));
  EXPECT_EQ(y.shape(), Shape({3, 2}));
  for (double v : y.to_vector()) EXPECT_EQ(v, 0.0);
}

}  // namespace
}  // namespace minidl

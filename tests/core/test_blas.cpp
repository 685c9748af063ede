// blas.cpp, the one place that calls OpenBLAS, oneDNN's sgemm and libxsmm: empty products,
// transposes as flags, products that stay right when several threads compute at once, and the
// kernel warm-up.
#include <gtest/gtest.h>

#include <cstring>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

#include "blas.h"
#include "minidl/minidl.h"

namespace minidl {
namespace {

template <class T>
std::vector<T> random_matrix(int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> uniform(-1, 1);
  std::vector<T> m(static_cast<size_t>(rows * cols));
  for (T& v : m) v = static_cast<T>(uniform(gen));
  return m;
}

// The textbook sum, in double, for y = op(a) op(b).
template <class T>
std::vector<double> reference_product(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const std::vector<T>& a,
                                      const std::vector<T>& b) {
  std::vector<double> y(static_cast<size_t>(m * n));
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t p = 0; p < k; ++p) {
        s += static_cast<double>(ta ? a[p * m + i] : a[i * k + p]) * static_cast<double>(tb ? b[j * k + p] : b[p * n + j]);
      }
      y[i * n + j] = s;
    }
  }
  return y;
}

TEST(Blas, EveryTransposeFlagMatchesTheTextbookProduct) {
  const int64_t m = 7, n = 5, k = 3;
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      std::vector<double> a = random_matrix<double>(m, k, 1), b = random_matrix<double>(k, n, 2);
      std::vector<double> y(static_cast<size_t>(m * n), 99.0);
      blas::gemm(ta, tb, m, n, k, 1.0, a.data(), ta ? m : k, b.data(), tb ? k : n, 0.0, y.data(), n);
      std::vector<double> expected = reference_product(ta, tb, m, n, k, a, b);
      for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], expected[i], 1e-14) << "ta " << ta << " tb " << tb << " at " << i;
    }
  }
}

TEST(Blas, AnEmptyInnerDimensionScalesTheOutputByBeta) {
  std::vector<float> y = {1, 2, 3, 4};
  blas::gemm(false, false, 2, 2, 0, 1.0f, nullptr, 0, nullptr, 2, 0.5f, y.data(), 2);
  EXPECT_EQ(y, (std::vector<float>{0.5f, 1, 1.5f, 2}));
  blas::gemm(false, false, 2, 2, 0, 1.0f, nullptr, 0, nullptr, 2, 0.0f, y.data(), 2);
  EXPECT_EQ(y, (std::vector<float>{0, 0, 0, 0}));
}

// Debian's serial OpenBLAS has no locks: two threads inside it at once can be handed the same
// packing buffer and get wrong products. Four threads that call minidl's gemm over and over, each on
// matrices of its own (with the same inputs a shared buffer often holds the right numbers anyway),
// must each get their one-thread result, bit for bit. Without the lock in blas.cpp this failed
// 1,000-2,000 times in 80,000 float64 calls.
template <class T>
void expect_concurrent_products_are_exact(int64_t size, int calls) {
  const int64_t m = size, n = size, k = size;
  constexpr int kThreads = 4;
  std::vector<T> a[kThreads], b[kThreads], serial[kThreads];
  for (int t = 0; t < kThreads; ++t) {
    a[t] = random_matrix<T>(m, k, 3 + 2 * t);
    b[t] = random_matrix<T>(n, k, 4 + 2 * t);
    serial[t].resize(static_cast<size_t>(m * n));
    blas::gemm(false, true, m, n, k, T(1), a[t].data(), k, b[t].data(), k, T(0), serial[t].data(), n);
  }
  int wrong[kThreads] = {};
  auto work = [&](int t) {
    std::vector<T> y(serial[t].size());
    for (int c = 0; c < calls; ++c) {
      blas::gemm(false, true, m, n, k, T(1), a[t].data(), k, b[t].data(), k, T(0), y.data(), n);
      if (std::memcmp(y.data(), serial[t].data(), y.size() * sizeof(T)) != 0) ++wrong[t];
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(work, t);
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(std::accumulate(wrong, wrong + kThreads, 0), 0) << "wrong products in " << kThreads * calls << " concurrent calls of " << size << "^3";
}

TEST(Blas, Float64ProductsFromSeveralThreadsAreExact) { expect_concurrent_products_are_exact<double>(65, 20000); }

TEST(Blas, Float32ProductsOnOpenBlasFromSeveralThreadsAreExact) {
  const GemmKernel chosen = gemm_kernel();
  const SmallGemmKernel chosen_small = small_gemm_kernel();
  set_gemm_kernel(GemmKernel::openblas);
  set_small_gemm_kernel(SmallGemmKernel::like_large);  // OpenBLAS's sgemm, not libxsmm
  expect_concurrent_products_are_exact<float>(65, 20000);
  set_small_gemm_kernel(chosen_small);
  set_gemm_kernel(chosen);
}

// A product large enough to be split across the team gives the bits of the one-thread product:
// blocks split the output, never the inner dimension.
template <class T>
void expect_split_product_equals_one_thread(GemmKernel kernel) {
  const GemmKernel chosen = gemm_kernel();
  const int threads = get_num_threads();
  set_gemm_kernel(kernel);
  const int64_t m = 300, n = 260, k = 200;  // 15.6M multiply-adds: past the split threshold
  std::vector<T> a = random_matrix<T>(m, k, 5), b = random_matrix<T>(k, n, 6);
  std::vector<T> one(static_cast<size_t>(m * n)), two(one.size());
  set_num_threads(1);
  blas::gemm(false, false, m, n, k, T(1), a.data(), k, b.data(), n, T(0), one.data(), n);
  set_num_threads(2);
  blas::gemm(false, false, m, n, k, T(1), a.data(), k, b.data(), n, T(0), two.data(), n);
  set_num_threads(threads);
  set_gemm_kernel(chosen);
  EXPECT_EQ(std::memcmp(one.data(), two.data(), one.size() * sizeof(T)), 0);
  std::vector<double> expected = reference_product(false, false, m, n, k, a, b);
  for (size_t i = 0; i < one.size(); i += 97) EXPECT_NEAR(one[i], expected[i], sizeof(T) == 4 ? 1e-3 : 1e-11);
}

TEST(Blas, SplitProductsHaveTheOneThreadBits) {
  expect_split_product_equals_one_thread<double>(GemmKernel::openblas);
  expect_split_product_equals_one_thread<float>(GemmKernel::openblas);
  expect_split_product_equals_one_thread<float>(GemmKernel::onednn);
}

// warm_up_kernels() compiles oneDNN's sgemm kernels on a thread of its own (minidl train runs it
// while data load): products computed meanwhile on another thread, the first ones of this process
// when ctest runs the test alone, come out as they do after it.
TEST(Blas, WarmingUpKernelsWhileAnotherThreadMultipliesChangesNoProduct) {
  const GemmKernel chosen = gemm_kernel();
  set_gemm_kernel(GemmKernel::onednn);
  const int64_t m = 128, n = 256, k = 784;  // the Fashion MLP's first layer: past libxsmm's sizes
  std::vector<float> a = random_matrix<float>(m, k, 7), b = random_matrix<float>(n, k, 8);
  std::vector<std::vector<float>> during(8, std::vector<float>(static_cast<size_t>(m * n)));
  std::thread warm([] {
    warm_up_kernels();
    warm_up_kernels();  // a second call changes nothing
  });
  for (std::vector<float>& y : during) blas::gemm(false, true, m, n, k, 1.0f, a.data(), k, b.data(), k, 0.0f, y.data(), n);
  warm.join();
  std::vector<float> after(static_cast<size_t>(m * n));
  blas::gemm(false, true, m, n, k, 1.0f, a.data(), k, b.data(), k, 0.0f, after.data(), n);
  set_gemm_kernel(chosen);
  for (const std::vector<float>& y : during) EXPECT_EQ(std::memcmp(y.data(), after.data(), after.size() * sizeof(float)), 0);
  std::vector<double> expected = reference_product(false, true, m, n, k, a, b);
  for (size_t i = 0; i < after.size(); i += 101) EXPECT_NEAR(after[i], expected[i], 1e-3);
}

}  // namespace
}  // namespace minidl

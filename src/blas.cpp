// GEMM calls: OpenBLAS (serial build), or oneDNN's JIT sgemm for float32 where kernels.h chose it.
// Empty products are handled here (BLAS rejects ld = 0), and large products on oneDNN are split
// into blocks of output rows or columns across minidl's thread team (thread_pool.h). Small float32
// products go to libxsmm's JIT kernels (kernels.h).
//
// OpenBLAS is entered by one thread at a time. Debian's serial build (0.3.21) is made without
// USE_LOCKING: two threads calling it at once can be handed the same packing buffer, and the
// product comes out wrong. Measured here: 623 wrong results in 120,592 concurrent 65x65x65 dgemm
// calls from two threads (0 with the lock); it made a float64 LeNet trained on 2 threads differ
// from the same run on 1 by 1.5% after 8 steps. So a product bound for OpenBLAS is not split, and
// every call holds OpenBlasLock so that user threads sharing the library are safe too.
#include "blas.h"

#include <cblas.h>
#include "openmp.h"

#include <libxsmm.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <thread>
#include <type_traits>
#include <vector>

#include "minidl/kernels.h"
#include "minidl/threads.h"
#include "signal_safety.h"
#include "thread_pool.h"

namespace minidl::blas {

namespace {

// Below this many multiply-adds (about 80 us on one core) a thread hand-off costs more than it saves.
constexpr int64_t kParallelMacs = int64_t{1} << 22;

template <class T>
bool trivial(int64_t m, int64_t n, int64_t k, T beta, T* y, int64_t ldy) {
  if (m == 0 || n == 0) return true;
  if (k == 0) {  // the product is 0: y = beta y
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) y[i * ldy + j] = beta == T(0) ? T(0) : beta * y[i * ldy + j];
    }
    return true;
  }
  return false;
}

CBLAS_TRANSPOSE flag(bool t) { return t ? CblasTrans : CblasNoTrans; }

// Held around every OpenBLAS call (see the top of this file). Uncontended it costs one atomic
// exchange to take and a plain store to release; std::mutex costs a second locked instruction and
// two calls into libc, and with a batch-1 disk step making about ten OpenBLAS calls (gemv and
// outer products) that made `minidl train` 3% slower there (bench/RESULTS.md). Threads contend only
// when a program calls minidl from several threads of its own; a waiting thread yields its core.
class OpenBlasLock {
 public:
  OpenBlasLock() {
    while (taken_.exchange(true, std::memory_order_acquire)) {
      while (taken_.load(std::memory_order_relaxed)) std::this_thread::yield();
    }
  }
  ~OpenBlasLock() { taken_.store(false, std::memory_order_release); }
  OpenBlasLock(const OpenBlasLock&) = delete;
  OpenBlasLock& operator=(const OpenBlasLock&) = delete;

 private:
  static inline std::atomic<bool> taken_{false};
};

// libxsmm's kernel for one product shape, remembered per thread. libxsmm_smmdispatch hashes the
// whole descriptor and searches its registry on every call: 7% of a batch-1 disk step, for the
// six shapes that step uses over and over. The last 16 shapes are kept here and compared field by
// field; libxsmm keeps its JIT code until the process ends, so a kept pointer stays valid.
libxsmm_smmfunction small_kernel(libxsmm_blasint m, libxsmm_blasint n, libxsmm_blasint k, libxsmm_blasint lda,
                                 libxsmm_blasint ldb, libxsmm_blasint ldc, float beta, int flags) {
  struct Entry {
    libxsmm_blasint m = -1, n, k, lda, ldb, ldc;
    float beta;
    int flags;
    libxsmm_smmfunction kernel;
  };
  constexpr int kEntries = 16;
  thread_local std::array<Entry, kEntries> entries;
  thread_local int next = 0;  // the entry to replace next: round robin
  for (const Entry& e : entries) {
    if (e.m == m && e.n == n && e.k == k && e.lda == lda && e.ldb == ldb && e.ldc == ldc && e.beta == beta &&
        e.flags == flags) {
      return e.kernel;
    }
  }
  const float alpha = 1.0f;
  libxsmm_smmfunction kernel = libxsmm_smmdispatch(m, n, k, &lda, &ldb, &ldc, &alpha, &beta, &flags, nullptr);
  if (kernel) {
    entries[next] = Entry{m, n, k, lda, ldb, ldc, beta, flags, kernel};
    next = (next + 1) % kEntries;
  }
  return kernel;
}

// y = op(a) op(b) (+ y when beta is 1) through libxsmm, for a small product. libxsmm is
// column-major: row-major y (m x n) is its y^T (n x m) = op(b)^T op(a)^T, so b's buffer is its
// first operand and a's its second. Its JIT kernels (1.17) transpose the second operand but not
// the first: a transposed b (a Linear's forward, x w^T) is copied transposed into a per-thread
// buffer first (25 x 25 floats: about 0.1 us, against 0.5 us saved on the product). Returns false
// where libxsmm has no kernel (alpha other than 1, beta other than 0 or 1).
bool call_libxsmm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                  const float* b, int64_t ldb, float beta, float* y, int64_t ldy) {
  if (alpha != 1.0f || (beta != 0.0f && beta != 1.0f)) return false;
  thread_local std::vector<float> transposed;
  const float* first = b;
  libxsmm_blasint ld_first = ldb;
  if (tb) {  // op(b)^T is b's buffer read as row-major (n x k): store it column-major (n x k)
    transposed.resize(static_cast<size_t>(n * k));
    for (int64_t p = 0; p < k; ++p) {
      for (int64_t j = 0; j < n; ++j) transposed[p * n + j] = b[j * ldb + p];
    }
    first = transposed.data();
    ld_first = n;
  }
  const libxsmm_blasint ld_second = lda, ld_out = ldy;
  const int flags = ta ? LIBXSMM_GEMM_FLAG_TRANS_B : LIBXSMM_GEMM_FLAG_NONE;
  libxsmm_smmfunction kernel = small_kernel(n, m, k, ld_first, ld_second, ld_out, beta, flags);
  if (!kernel) return false;
  kernel(first, a, y);
  return true;
}

void call(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda, const float* b,
          int64_t ldb, float beta, float* y, int64_t ldy) {
  if (small_gemm_kernel() == SmallGemmKernel::libxsmm && m * n * k <= kSmallGemmMacs &&
      call_libxsmm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, y, ldy)) {
    return;
  }
  if (gemm_kernel() == GemmKernel::onednn) {
    // One thread per call: large products are split across minidl's team above this call, and
    // oneDNN's OpenMP runtime reads the count from the calling thread at each call.
    omp_set_num_threads(1);
    detail::ensure_alternate_signal_stack();  // the kernel moves rsp into the heap: signal_safety.h
    dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, y, ldy);
    return;
  }
  OpenBlasLock lock;
  cblas_sgemm(CblasRowMajor, flag(ta), flag(tb), static_cast<blasint>(m), static_cast<blasint>(n),
              static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, y,
              static_cast<blasint>(ldy));
}

void call(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const double* a, int64_t lda,
          const double* b, int64_t ldb, double beta, double* y, int64_t ldy) {
  OpenBlasLock lock;
  cblas_dgemm(CblasRowMajor, flag(ta), flag(tb), static_cast<blasint>(m), static_cast<blasint>(n),
              static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, y,
              static_cast<blasint>(ldy));
}

// y = alpha a x + beta y, a row-major (rows, cols), x with stride incx.
void call_gemv(int64_t rows, int64_t cols, float alpha, const float* a, int64_t lda, const float* x, int64_t incx,
               float beta, float* y) {
  OpenBlasLock lock;
  cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<blasint>(rows), static_cast<blasint>(cols), alpha, a,
              static_cast<blasint>(lda), x, static_cast<blasint>(incx), beta, y, 1);
}

void call_gemv(int64_t rows, int64_t cols, double alpha, const double* a, int64_t lda, const double* x, int64_t incx,
               double beta, double* y) {
  OpenBlasLock lock;
  cblas_dgemv(CblasRowMajor, CblasNoTrans, static_cast<blasint>(rows), static_cast<blasint>(cols), alpha, a,
              static_cast<blasint>(lda), x, static_cast<blasint>(incx), beta, y, 1);
}

// Whether a large product (past libxsmm's sizes) may be split across the team: only where it goes to
// oneDNN, never to OpenBLAS (see the top of this file).
template <class T>
bool may_split_large_products() {
  if constexpr (std::is_same_v<T, float>) return gemm_kernel() == GemmKernel::onednn;
  return false;
}

template <class T>
void gemm_impl(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, const T* b,
               int64_t ldb, T beta, T* y, int64_t ldy) {
  if (trivial(m, n, k, beta, y, ldy)) return;
  if (m == 1 && tb) {
    // One row times a transposed b (a Linear's forward at batch 1) is b x. OpenBLAS sends this GEMM
    // down its general path, packing included (its small-matrix kernels refuse, in its own
    // column-major terms, a transposed A with k < 32); its gemv reads b in place: 148 -> 63 ns for a
    // 25x25 layer (bench/RESULTS.md).
    call_gemv(n, k, alpha, b, ldb, a, ta ? lda : 1, beta, y);
    return;
  }
  if (k == 1 && m * n <= (int64_t{1} << 16)) {
    // An outer product (a Linear's weight gradient at batch 1). A one-element-wide operand stored
    // contiguously reads the same with or without its transpose flag, and OpenBLAS's no-transpose
    // small kernel is the fast one here: 112 -> 39 ns for 25x25 (slightly slower past 2^16 outputs).
    if (ta) ta = false, lda = 1;
    if (tb && ldb == 1) tb = false, ldb = n;
  }
  int threads = get_num_threads();
  if (threads <= 1 || m * n * k < kParallelMacs || !may_split_large_products<T>()) {
    call(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, y, ldy);
    return;
  }
  // Split the longer output side into blocks (multiples of 16, for whole vector tiles). Each
  // block is an ordinary GEMM on sub-matrices: the inner dimension k is never split.
  bool by_columns = n >= m;
  int64_t extent = by_columns ? n : m;
  int64_t block = std::max<int64_t>(16, (extent + threads - 1) / threads);
  block = (block + 15) / 16 * 16;
  int64_t blocks = (extent + block - 1) / block;
  detail::parallel_for(blocks, [&](int64_t i) {
    int64_t begin = i * block, size = std::min(block, extent - begin);
    if (by_columns) {  // y[:, begin:end] = op(a) op(b)[:, begin:end]
      const T* bb = tb ? b + begin * ldb : b + begin;
      call(ta, tb, m, size, k, alpha, a, lda, bb, ldb, beta, y + begin, ldy);
    } else {  // y[begin:end, :] = op(a)[begin:end, :] op(b)
      const T* ab = ta ? a + begin : a + begin * lda;
      call(ta, tb, size, n, k, alpha, ab, lda, b, ldb, beta, y + begin * ldy, ldy);
    }
  });
}

}  // namespace

void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda, const float* b,
          int64_t ldb, float beta, float* y, int64_t ldy) {
  gemm_impl(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, y, ldy);
}

void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const double* a, int64_t lda,
          const double* b, int64_t ldb, double beta, double* y, int64_t ldy) {
  gemm_impl(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, y, ldy);
}

void gemv(bool ta, int64_t rows, int64_t cols, double alpha, const double* a, int64_t lda, const double* x,
          double beta, double* y) {
  if (rows == 0 || cols == 0) return;
  OpenBlasLock lock;
  cblas_dgemv(CblasRowMajor, flag(ta), static_cast<blasint>(rows), static_cast<blasint>(cols), alpha, a,
              static_cast<blasint>(lda), x, 1, beta, y, 1);
}

void ger(int64_t rows, int64_t cols, double alpha, const double* x, const double* y, double* a, int64_t lda) {
  if (rows == 0 || cols == 0) return;
  OpenBlasLock lock;
  cblas_dger(CblasRowMajor, static_cast<blasint>(rows), static_cast<blasint>(cols), alpha, x, 1, y, 1, a,
             static_cast<blasint>(lda));
}

}  // namespace minidl::blas

namespace minidl {

void warm_up_kernels() {
  if (gemm_kernel() != GemmKernel::onednn) return;
  // Signals belong to the command's main thread, and this one may be running a JIT kernel
  // (signal_safety.h).
  detail::AsynchronousSignalsBlocked no_signals;
  detail::ensure_alternate_signal_stack();
  omp_set_num_threads(1);
  // One 8x8x8 product of each transpose and beta case made every kernel that larger products then
  // used: afterwards the first 128x256x784 product (x W^T) took 1.2 ms instead of 7 ms and the first
  // 256x784x128 one (dy^T x) 0.25 ms instead of 32 ms.
  constexpr int64_t n = 8;
  std::array<float, n * n> a{}, b{}, y{};
  for (char ta : {'N', 'T'}) {
    for (char tb : {'N', 'T'}) {
      for (float beta : {0.0f, 1.0f}) dnnl_sgemm(ta, tb, n, n, n, 1.0f, a.data(), n, b.data(), n, beta, y.data(), n);
    }
  }
}

}  // namespace minidl

// OpenBLAS GEMM calls. Empty products are handled here (BLAS rejects ld = 0).
#include "blas.h"

#include <cblas.h>

#include <algorithm>

namespace minidl::blas {

namespace {
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
}  // namespace

void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda, const float* b,
          int64_t ldb, float beta, float* y, int64_t ldy) {
  if (trivial(m, n, k, beta, y, ldy)) return;
  cblas_sgemm(CblasRowMajor, flag(ta), flag(tb), static_cast<blasint>(m), static_cast<blasint>(n),
              static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, y,
              static_cast<blasint>(ldy));
}

void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const double* a, int64_t lda,
          const double* b, int64_t ldb, double beta, double* y, int64_t ldy) {
  if (trivial(m, n, k, beta, y, ldy)) return;
  cblas_dgemm(CblasRowMajor, flag(ta), flag(tb), static_cast<blasint>(m), static_cast<blasint>(n),
              static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, y,
              static_cast<blasint>(ldy));
}

}  // namespace minidl::blas

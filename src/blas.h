// Internal: the one place that calls OpenBLAS. gemm computes y = alpha op(a) op(b) + beta y on
// raw row-major matrices, with transposes as flags.
#pragma once

#include <cstdint>

namespace minidl::blas {

// op(a): (m, k), op(b): (k, n), y: (m, n). lda/ldb are the row lengths of a and b as stored.
void gemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          int64_t lda, const float* b, int64_t ldb, float beta, float* y, int64_t ldy);
void gemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, double alpha, const double* a,
          int64_t lda, const double* b, int64_t ldb, double beta, double* y, int64_t ldy);

// y = alpha op(a) x + beta y for a row-major (rows, cols) matrix a (BLAS-2, for BFGS's dense H).
void gemv(bool transpose_a, int64_t rows, int64_t cols, double alpha, const double* a, int64_t lda, const double* x,
          double beta, double* y);
// a += alpha x y^T for a row-major (rows, cols) matrix a.
void ger(int64_t rows, int64_t cols, double alpha, const double* x, const double* y, double* a, int64_t lda);

}  // namespace minidl::blas

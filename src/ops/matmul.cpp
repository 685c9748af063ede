// Matrix products. Everything goes through mm (2-D, transpose flags) or bmm (batched), whose
// backward passes are again mm/bmm calls with flipped flags, so no transposed copy is ever made.
#include "minidl/ops/matmul.h"

#include <algorithm>
#include <string>

#include "blas.h"
#include "dispatch.h"
#include "linear_then.h"
#include "minidl/autograd/node.h"
#include "minidl/ops/reduce.h"
#include "minidl/ops/view.h"

namespace minidl {

using autograd::Grads;

namespace {

// Rows and columns of op(x) for a matrix x of shape (..., r, c).
struct MatrixDims {
  int64_t rows, cols, ld;
};
MatrixDims op_dims(const Tensor& x, bool transpose) {
  int64_t r = x.shape()[x.dim() - 2], c = x.shape()[x.dim() - 1];
  return transpose ? MatrixDims{c, r, c} : MatrixDims{r, c, c};
}

[[noreturn]] void inner_mismatch(const char* op, const Tensor& a, const Tensor& b, int64_t ka, int64_t kb) {
  throw ShapeError(std::string(op) + ": inner dimensions differ: a is " + to_string(a.shape()) + ", b is " +
                   to_string(b.shape()) + " (a contributes " + std::to_string(ka) + ", b contributes " +
                   std::to_string(kb) + ")");
}

// y[i] = op(a[i]) op(b[i]) for a: (B, ., .), b: (B, ., .); 2-D inputs are B = 1.
Tensor batched_product(const char* op, const Tensor& a, bool ta, const Tensor& b, bool tb) {
  detail::check_same_dtype(op, a, b);
  if (a.dim() != b.dim() || (a.dim() != 2 && a.dim() != 3)) {
    throw ShapeError(std::string(op) + ": expects two 2-D or two 3-D tensors, got a " + to_string(a.shape()) +
                     " and b " + to_string(b.shape()));
  }
  int64_t batch = a.dim() == 3 ? a.shape()[0] : 1;
  if (a.dim() == 3 && b.shape()[0] != batch) {
    throw ShapeError(std::string(op) + ": batch sizes differ: a is " + to_string(a.shape()) + ", b is " +
                     to_string(b.shape()));
  }
  MatrixDims da = op_dims(a, ta), db = op_dims(b, tb);
  if (da.cols != db.rows) inner_mismatch(op, a, b, da.cols, db.rows);
  Shape out = a.dim() == 3 ? Shape{batch, da.rows, db.cols} : Shape{da.rows, db.cols};
  Tensor y = Tensor::empty(out, a.dtype());
  detail::dispatch_float(op, a.dtype(), [&]<class T>() {
    const T *pa = a.data<T>(), *pb = b.data<T>();
    T* py = y.data<T>();
    int64_t sa = da.rows * da.cols, sb = db.rows * db.cols, sy = da.rows * db.cols;
    for (int64_t i = 0; i < batch; ++i) {
      blas::gemm(ta, tb, da.rows, db.cols, da.cols, T(1), pa + i * sa, da.ld, pb + i * sb, db.ld, T(0), py + i * sy,
                 db.cols);
    }
  });
  // Inside backward (the weight and input gradients are these products) nothing is recorded:
  // return before building the closure and its copies of a and b.
  if (!autograd::needs_grad({&a, &b})) return y;
  return autograd::record(op, y, {a, b}, [a, ta, b, tb](const Tensor& dy) {
    // y = op(a) op(b):  d op(a) = dy op(b)^T,  d op(b) = op(a)^T dy; a transposed input takes the
    // transpose of its gradient, which is the same product with the operands swapped.
    Tensor ga, gb;
    if (a.requires_grad()) {
      ga = ta ? batched_product("mm_backward", b, tb, dy, true) : batched_product("mm_backward", dy, false, b, !tb);
    }
    if (b.requires_grad()) {
      gb = tb ? batched_product("mm_backward", dy, true, a, ta) : batched_product("mm_backward", a, !ta, dy, false);
    }
    return Grads{ga, gb};
  });
}


// Column sums of a row-major (n, c) matrix, c >= one 64-byte vector of columns: blocks of that
// width, the last one shifted left to end at c (overlapping the one before, so no block has a
// scalar tail), each summed in four chains of rows side by side (one chain was latency-bound).
template <class T>
void wide_column_sums(const T* __restrict g, T* __restrict out, int64_t n, int64_t c) {
  constexpr int64_t kLanes = 64 / sizeof(T), kChains = 4;
  for (int64_t j0 = 0; j0 < c; j0 += kLanes) {
    const int64_t j = std::min(j0, c - kLanes);
    T acc[kChains][kLanes] = {};
    int64_t i = 0;
    for (; i + kChains <= n; i += kChains) {
      for (int64_t r = 0; r < kChains; ++r) {
        for (int64_t k = 0; k < kLanes; ++k) acc[r][k] += g[(i + r) * c + j + k];
      }
    }
    for (; i < n; ++i) {
      for (int64_t k = 0; k < kLanes; ++k) acc[0][k] += g[i * c + j + k];
    }
    for (int64_t k = 0; k < kLanes; ++k) out[j + k] = (acc[0][k] + acc[1][k]) + (acc[2][k] + acc[3][k]);
  }
}

// Column sums when the rows tile one vector (c divides 64 / sizeof(T): 1, 2, 4, ... outputs): the
// flat data summed a vector at a time in two chains, then each column's lanes folded.
template <class T>
void narrow_column_sums(const T* __restrict g, T* __restrict out, int64_t n, int64_t c) {
  constexpr int64_t kLanes = 64 / sizeof(T);
  const int64_t total = n * c;
  T even[kLanes] = {}, odd[kLanes] = {};
  int64_t p = 0;
  for (; p + 2 * kLanes <= total; p += 2 * kLanes) {
    for (int64_t k = 0; k < kLanes; ++k) even[k] += g[p + k];
    for (int64_t k = 0; k < kLanes; ++k) odd[k] += g[p + kLanes + k];
  }
  for (int64_t j = 0; j < c; ++j) {
    T s = 0;
    for (int64_t k = j; k < kLanes; k += c) s += even[k] + odd[k];
    for (int64_t q = p + j; q < total; q += c) s += g[q];  // the rows after the last pair of vectors
    out[j] = s;
  }
}

// db = sum over rows of dy (N, out_features): the bias gradient, without sum()'s reshapes and
// temporaries.
Tensor column_sums(const Tensor& dy) {
  int64_t n = dy.size(0), c = dy.size(1);
  Tensor db = Tensor::empty({c}, dy.dtype());
  detail::dispatch_float("linear_backward", dy.dtype(), [&]<class T>() {
    T* __restrict out = db.data<T>();
    const T* __restrict g = dy.data<T>();
    constexpr int64_t kLanes = 64 / sizeof(T);
    if (c >= kLanes) {
      wide_column_sums(g, out, n, c);
    } else if (c > 0 && kLanes % c == 0) {
      narrow_column_sums(g, out, n, c);
    } else {  // a few columns that do not tile a vector: one accumulator each, rows in order
      T acc[kLanes] = {};
      for (int64_t i = 0; i < n; ++i) {
        for (int64_t j = 0; j < c; ++j) acc[j] += g[i * c + j];
      }
      for (int64_t j = 0; j < c; ++j) out[j] = acc[j];
    }
  });
  return db;
}

}  // namespace

// The product of all dims but the last: the rows of x folded into a matrix.
int64_t detail::leading_rows(const Tensor& x) {
  int64_t rows = 1;
  for (int64_t d = 0; d + 1 < x.dim(); ++d) rows *= x.shape()[d];
  return rows;
}

Tensor mm(const Tensor& a, bool transpose_a, const Tensor& b, bool transpose_b) {
  detail::check_same_dtype("mm", a, b);
  if (a.dim() != 2 || b.dim() != 2) {
    throw ShapeError("mm: expects 2-D tensors, got a " + to_string(a.shape()) + " and b " + to_string(b.shape()));
  }
  return batched_product("mm", a, transpose_a, b, transpose_b);
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  detail::check_same_dtype("matmul", a, b);
  if (a.dim() == 0 || b.dim() == 0) {
    throw ShapeError("matmul: both inputs need at least 1 dim, got a " + to_string(a.shape()) + " and b " +
                     to_string(b.shape()));
  }
  int64_t ka = a.shape().back(), kb = b.dim() == 1 ? b.shape()[0] : b.shape()[b.dim() - 2];
  if (ka != kb) inner_mismatch("matmul", a, b, ka, kb);

  if (a.dim() == 1 && b.dim() == 1) return reshape(mm(reshape(a, {1, ka}), false, reshape(b, {kb, 1}), false), {});
  if (a.dim() == 1 && b.dim() == 2) return reshape(mm(reshape(a, {1, ka}), false, b, false), {b.shape()[1]});
  if (b.dim() == 1) {  // (..., M, K) (K) -> (..., M)
    Shape out(std::vector<int64_t>(a.shape().begin(), a.shape().end() - 1));
    return reshape(mm(reshape(a, {detail::leading_rows(a), ka}), false, reshape(b, {kb, 1}), false), out);
  }
  if (b.dim() == 2) {  // (..., M, K) (K, N): fold the batch into M, one GEMM
    Shape out = a.shape();
    out[out.dim() - 1] = b.shape()[1];
    return reshape(mm(reshape(a, {detail::leading_rows(a), ka}), false, b, false), out);
  }
  // Both batched: batch dims must match.
  bool same = a.dim() == b.dim();
  for (int64_t d = 0; same && d < a.dim() - 2; ++d) same = a.shape()[d] == b.shape()[d];
  if (!same) {
    throw ShapeError("matmul: batch dims differ: a is " + to_string(a.shape()) + ", b is " + to_string(b.shape()) +
                     " (batched matmul needs equal batch dims)");
  }
  int64_t m = a.shape()[a.dim() - 2], n = b.shape().back();
  Shape out = a.shape();
  out[out.dim() - 1] = n;
  int64_t batch = 1;
  for (int64_t d = 0; d + 2 < a.dim(); ++d) batch *= a.shape()[d];
  Tensor y = batched_product("matmul", reshape(a, {batch, m, ka}), false, reshape(b, {batch, kb, n}), false);
  return reshape(y, out);
}

void detail::check_linear(const char* op, const Tensor& x, const Tensor& w, const Tensor& b) {
  detail::check_same_dtype(op, x, w);
  if (w.dim() != 2) {
    throw ShapeError(std::string(op) + ": weight must be 2-D (out_features, in_features), got " + to_string(w.shape()));
  }
  int64_t out_features = w.shape()[0], in_features = w.shape()[1];
  if (x.dim() == 0 || x.shape().back() != in_features) {
    throw ShapeError(std::string(op) + ": input has " + std::to_string(x.dim() ? x.shape().back() : 0) +
                     " features, expected " + std::to_string(in_features) + ": input is " + to_string(x.shape()) +
                     ", weight is " + to_string(w.shape()));
  }
  if (b.defined()) {
    detail::check_same_dtype(op, x, b);
    if (b.dim() != 1 || b.shape()[0] != out_features) {
      throw ShapeError(std::string(op) + ": bias must have shape (" + std::to_string(out_features) + "), got " +
                       to_string(b.shape()));
    }
  }
}

// x w^T + b for a checked 2-D x: one GEMM with the bias preloaded into y. Not recorded.
Tensor detail::linear_product(const Tensor& x, const Tensor& w, const Tensor& b) {
  int64_t n = x.shape()[0], out_features = w.shape()[0], in_features = w.shape()[1];
  Tensor y = Tensor::empty({n, out_features}, x.dtype());
  detail::dispatch_float("linear", x.dtype(), [&]<class T>() {
    T* py = y.data<T>();
    if (b.defined()) {
      const T* pb = b.data<T>();
      // Row 0, then doubling blocks of rows already filled: log2(n) copies, not a call per row.
      if (n > 0) std::copy_n(pb, out_features, py);
      for (int64_t filled = 1; filled < n; filled *= 2) {
        std::copy_n(py, std::min(filled, n - filled) * out_features, py + filled * out_features);
      }
    }
    blas::gemm(false, true, n, out_features, in_features, T(1), x.data<T>(), in_features, w.data<T>(), in_features,
               b.defined() ? T(1) : T(0), py, out_features);
  });
  return y;
}

// The gradients of x w^T + b for the gradient dz of that product.
Grads detail::linear_grads(const Tensor& dz, const Tensor& x, const Tensor& w, const Tensor& b) {
  return Grads{x.requires_grad() ? mm(dz, false, w, false) : Tensor(),  // dx = dz w      (N, in)
               w.requires_grad() ? mm(dz, true, x, false) : Tensor(),   // dw = dz^T x    (out, in)
               b.defined() && b.requires_grad() ? column_sums(dz) : Tensor()};  // db = sum_n dz
}

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  detail::check_linear("linear", x, w, b);
  if (x.dim() != 2) {  // (..., in_features): fold leading dims into the batch
    Shape out = x.shape();
    out[out.dim() - 1] = w.shape()[0];
    return reshape(linear(reshape(x, {detail::leading_rows(x), w.shape()[1]}), w, b), out);
  }
  Tensor y = detail::linear_product(x, w, b);
  if (!autograd::needs_grad({&x, &w, &b})) return y;  // inference: no closure to build and drop
  return autograd::record("linear", y, {x, w, b},
                          [x, w, b](const Tensor& dy) { return detail::linear_grads(dy, x, w, b); });
}

}  // namespace minidl

// Slices and gathers. narrow along dim 0 is a view (a batch of rows without a copy); the rest
// copy with memcpy per contiguous run, so they work for every dtype.
#include "minidl/ops/index.h"

#include <cstring>
#include <string>

#include "dispatch.h"
#include "minidl/autograd/node.h"

namespace minidl {

using autograd::Grads;
using detail::DimSplit;

namespace {

void check_index_tensor(const char* op, const Tensor& index) {
  detail::check_defined(op, index, "index");
  if (index.dtype() != kInt64) {
    throw DtypeError(std::string(op) + ": index must be int64, got " + to_string(index.dtype()) + " " +
                     to_string(index.shape()));
  }
}

[[noreturn]] void index_out_of_range(const char* op, int64_t value, int64_t position, int64_t size, const Shape& shape) {
  throw IndexError(std::string(op) + ": index " + std::to_string(value) + " at position " + std::to_string(position) +
                   " is out of range for size " + std::to_string(size) + " (input shape " + to_string(shape) + ")");
}

// dx = zeros(x_shape); dx[rows index[i]] += dy[i]: the backward of index_select.
Tensor index_add_rows(const Tensor& dy, const Tensor& index, const Shape& x_shape) {
  Tensor dx = zeros(x_shape, dy.dtype());
  int64_t row = x_shape.numel() / std::max<int64_t>(x_shape[0], 1);
  detail::dispatch_float("index_select_backward", dy.dtype(), [&]<class T>() {
    const T* g = dy.data<T>();
    T* p = dx.data<T>();
    const int64_t* idx = index.data<int64_t>();
    for (int64_t i = 0, n = index.numel(); i < n; ++i) {
      T* dst = p + idx[i] * row;
      const T* src = g + i * row;
      for (int64_t j = 0; j < row; ++j) dst[j] += src[j];
    }
  });
  return dx;
}

}  // namespace

Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
  detail::check_defined("narrow", x);
  if (x.dim() == 0) throw ShapeError("narrow: cannot narrow a 0-dim tensor");
  int64_t d = wrap_dim("narrow", dim, x.dim());
  int64_t size = x.shape()[d];
  if (start < 0) start += size;
  if (start < 0 || length < 0 || start + length > size) {
    throw IndexError("narrow: start " + std::to_string(start) + " and length " + std::to_string(length) +
                     " are out of range for dim " + std::to_string(d) + " of shape " + to_string(x.shape()));
  }
  Shape out = x.shape();
  out[d] = length;
  DimSplit s = detail::split_at(x.shape(), d);
  Tensor y;
  if (d == 0 || s.outer == 1) {  // contiguous: a view
    auto impl = make_pooled<TensorImpl>();
    impl->storage = x.impl()->storage;
    impl->offset = x.impl()->offset + start * s.inner;
    impl->shape = out;
    impl->dtype = x.dtype();
    y = Tensor(std::move(impl));
  } else {
    y = Tensor::empty(out, x.dtype());
    int64_t es = static_cast<int64_t>(element_size(x.dtype()));
    const char* px = static_cast<const char*>(x.raw_data());
    char* py = static_cast<char*>(y.raw_data());
    for (int64_t o = 0; o < s.outer; ++o) {
      std::memcpy(py + o * length * s.inner * es, px + (o * size + start) * s.inner * es, length * s.inner * es);
    }
  }
  if (!is_floating(x.dtype())) return y;
  return autograd::record("narrow", y, {x}, [xs = x.shape(), d, start, length, s](const Tensor& dy) {
    Tensor dx = zeros(xs, dy.dtype());
    int64_t es = static_cast<int64_t>(element_size(dy.dtype()));
    const char* g = static_cast<const char*>(dy.raw_data());
    char* p = static_cast<char*>(dx.raw_data());
    for (int64_t o = 0; o < s.outer; ++o) {
      std::memcpy(p + (o * xs[d] + start) * s.inner * es, g + o * length * s.inner * es, length * s.inner * es);
    }
    return Grads{dx};
  });
}

Tensor slice_rows(const Tensor& x, int64_t start, int64_t end) {
  detail::check_defined("slice_rows", x);
  if (x.dim() == 0) throw ShapeError("slice_rows: cannot slice a 0-dim tensor");
  if (start < 0 || end < start || end > x.shape()[0]) {
    throw IndexError("slice_rows: rows " + std::to_string(start) + " to " + std::to_string(end) +
                     " are out of range for shape " + to_string(x.shape()));
  }
  return narrow(x, 0, start, end - start);
}

Tensor index_select(const Tensor& x, const Tensor& index) {
  detail::check_defined("index_select", x);
  check_index_tensor("index_select", index);
  if (x.dim() == 0) throw ShapeError("index_select: cannot select rows of a 0-dim tensor");
  if (index.dim() != 1) {
    throw ShapeError("index_select: index must be 1-D, got shape " + to_string(index.shape()));
  }
  int64_t rows = x.shape()[0], n = index.numel();
  const int64_t* idx = index.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    if (idx[i] < 0 || idx[i] >= rows) index_out_of_range("index_select", idx[i], i, rows, x.shape());
  }
  Shape out = x.shape();
  out[0] = n;
  Tensor y = Tensor::empty(out, x.dtype());
  int64_t row_bytes = (rows ? x.numel() / rows : 0) * static_cast<int64_t>(element_size(x.dtype()));
  const char* px = static_cast<const char*>(x.raw_data());
  char* py = static_cast<char*>(y.raw_data());
  if (row_bytes == 8) {  // (N, 2) float32 points, int64 labels: one load and store, not a memcpy call
    for (int64_t i = 0; i < n; ++i) std::memcpy(py + i * 8, px + idx[i] * 8, 8);
  } else if (row_bytes == 4) {
    for (int64_t i = 0; i < n; ++i) std::memcpy(py + i * 4, px + idx[i] * 4, 4);
  } else {
    for (int64_t i = 0; i < n; ++i) std::memcpy(py + i * row_bytes, px + idx[i] * row_bytes, row_bytes);
  }
  if (!is_floating(x.dtype())) return y;
  return autograd::record("index_select", y, {x}, [index, xs = x.shape()](const Tensor& dy) {
    return Grads{index_add_rows(dy, index, xs)};
  });
}

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  detail::check_defined("gather", x);
  check_index_tensor("gather", index);
  int64_t d = wrap_dim("gather", dim, x.dim());
  bool ok = index.dim() == x.dim();
  for (int64_t k = 0; ok && k < x.dim(); ++k) ok = k == d || index.shape()[k] == x.shape()[k];
  if (!ok) {
    throw ShapeError("gather: index shape " + to_string(index.shape()) + " must equal input shape " +
                     to_string(x.shape()) + " except along dim " + std::to_string(d));
  }
  DimSplit sx = detail::split_at(x.shape(), d), si = detail::split_at(index.shape(), d);
  const int64_t* idx = index.data<int64_t>();
  for (int64_t i = 0, n = index.numel(); i < n; ++i) {
    if (idx[i] < 0 || idx[i] >= sx.size) index_out_of_range("gather", idx[i], i, sx.size, x.shape());
  }
  Tensor y = Tensor::empty(index.shape(), x.dtype());
  detail::dispatch_float("gather", x.dtype(), [&]<class T>() {
    const T* px = x.data<T>();
    T* py = y.data<T>();
    for (int64_t o = 0; o < si.outer; ++o) {
      for (int64_t j = 0; j < si.size; ++j) {
        for (int64_t i = 0; i < si.inner; ++i) {
          int64_t k = (o * si.size + j) * si.inner + i;
          py[k] = px[(o * sx.size + idx[k]) * sx.inner + i];
        }
      }
    }
  });
  return autograd::record("gather", y, {x}, [index, xs = x.shape(), sx, si](const Tensor& dy) {
    Tensor dx = zeros(xs, dy.dtype());
    detail::dispatch_float("gather_backward", dy.dtype(), [&]<class T>() {
      const T* g = dy.data<T>();
      const int64_t* idx = index.data<int64_t>();
      T* p = dx.data<T>();
      for (int64_t o = 0; o < si.outer; ++o) {
        for (int64_t j = 0; j < si.size; ++j) {
          for (int64_t i = 0; i < si.inner; ++i) {
            int64_t k = (o * si.size + j) * si.inner + i;
            p[(o * sx.size + idx[k]) * sx.inner + i] += g[k];
          }
        }
      }
    });
    return Grads{dx};
  });
}

Tensor one_hot(const Tensor& labels, int64_t num_classes, Dtype dtype) {
  check_index_tensor("one_hot", labels);
  if (labels.dim() != 1) throw ShapeError("one_hot: labels must be 1-D, got shape " + to_string(labels.shape()));
  if (num_classes <= 0) throw ValueError("one_hot: num_classes must be > 0, got " + std::to_string(num_classes));
  int64_t n = labels.numel();
  const int64_t* idx = labels.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    if (idx[i] < 0 || idx[i] >= num_classes) index_out_of_range("one_hot", idx[i], i, num_classes, labels.shape());
  }
  Tensor y = zeros({n, num_classes}, dtype);
  detail::dispatch_float("one_hot", dtype, [&]<class T>() {
    T* p = y.data<T>();
    for (int64_t i = 0; i < n; ++i) p[i * num_classes + idx[i]] = T(1);
  });
  return y;
}

}  // namespace minidl

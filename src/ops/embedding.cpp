// embedding: a gather of rows forward, a scatter-add of rows backward.
#include "minidl/ops/embedding.h"

#include <algorithm>
#include <string>

#include "dispatch.h"
#include "minidl/autograd/node.h"

namespace minidl {

using autograd::Grads;

Tensor embedding(const Tensor& weight, const Tensor& indices, std::optional<int64_t> padding_idx) {
  detail::check_defined("embedding", weight, "weight");
  detail::check_defined("embedding", indices, "indices");
  if (weight.dim() != 2) throw ShapeError("embedding: weight must be 2-D (num_embeddings, embedding_dim), got " + to_string(weight.shape()));
  if (indices.dtype() != kInt64) {
    throw DtypeError("embedding: indices must be int64, got " + to_string(indices.dtype()) + " " + to_string(indices.shape()));
  }
  const int64_t rows = weight.size(0), dim = weight.size(1);
  const int64_t* idx = indices.data<int64_t>();
  for (int64_t i = 0, n = indices.numel(); i < n; ++i) {
    if (idx[i] < 0 || idx[i] >= rows) {
      throw IndexError("embedding: index " + std::to_string(idx[i]) + " at position " + std::to_string(i) +
                       " is out of range for num_embeddings=" + std::to_string(rows) + " (indices shape " +
                       to_string(indices.shape()) + ")");
    }
  }
  Shape out_shape = indices.shape();
  out_shape.push_back(dim);
  Tensor y = Tensor::empty(out_shape, weight.dtype());
  detail::dispatch_float("embedding", weight.dtype(), [&]<class T>() {
    const T* w = weight.data<T>();
    T* out = y.data<T>();
    for (int64_t i = 0, n = indices.numel(); i < n; ++i) std::copy_n(w + idx[i] * dim, dim, out + i * dim);
  });
  return autograd::record("embedding", y, {weight}, [indices, padding_idx, wshape = weight.shape()](const Tensor& dy) {
    Tensor dw = zeros(wshape, dy.dtype());
    const int64_t dim = wshape[1];
    const int64_t* idx = indices.data<int64_t>();
    detail::dispatch_float("embedding_backward", dy.dtype(), [&]<class T>() {
      const T* g = dy.data<T>();
      T* p = dw.data<T>();
      for (int64_t i = 0, n = indices.numel(); i < n; ++i) {
        if (padding_idx && idx[i] == *padding_idx) continue;
        T* row = p + idx[i] * dim;
        const T* src = g + i * dim;
        for (int64_t j = 0; j < dim; ++j) row[j] += src[j];
      }
    });
    return Grads{dw};
  });
}

}  // namespace minidl

// Shape ops. reshape and its relatives share storage; permute copies (tensors stay contiguous).
#include "minidl/ops/view.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "dispatch.h"
#include "minidl/autograd/node.h"
#include "minidl/ops/index.h"

namespace minidl {

using autograd::Grads;

Tensor reshape(const Tensor& x, const Shape& shape) {
  detail::check_defined("reshape", x);
  Shape out = shape;
  int64_t infer = -1, known = 1;
  for (int64_t d = 0; d < out.dim(); ++d) {
    if (out[d] == -1) {
      if (infer >= 0) throw ShapeError("reshape: only one dim can be -1, got " + to_string(shape));
      infer = d;
    } else if (out[d] < 0) {
      throw ShapeError("reshape: invalid size " + std::to_string(out[d]) + " in " + to_string(shape));
    } else {
      known *= out[d];
    }
  }
  if (infer >= 0 && known > 0 && x.numel() % known == 0) out[infer] = x.numel() / known;
  if (out.numel() != x.numel() || (infer >= 0 && known == 0)) {
    throw ShapeError("reshape: shape " + to_string(shape) + " is invalid for a tensor of shape " +
                     to_string(x.shape()) + " (" + std::to_string(x.numel()) + " elements)");
  }
  if (out == x.shape()) return x;
  auto impl = make_pooled<TensorImpl>();
  impl->storage = x.impl()->storage;
  impl->offset = x.impl()->offset;
  impl->shape = out;
  impl->dtype = x.dtype();
  Tensor y(std::move(impl));
  if (!is_floating(x.dtype())) return y;
  return autograd::record("reshape", y, {x}, [xs = x.shape()](const Tensor& dy) { return Grads{reshape(dy, xs)}; });
}

Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  detail::check_defined("flatten", x);
  if (x.dim() == 0) return reshape(x, {1});
  int64_t start = wrap_dim("flatten", start_dim, x.dim()), end = wrap_dim("flatten", end_dim, x.dim());
  if (start > end) {
    throw ValueError("flatten: start_dim " + std::to_string(start_dim) + " comes after end_dim " +
                     std::to_string(end_dim) + " for shape " + to_string(x.shape()));
  }
  Shape out;
  for (int64_t d = 0; d < start; ++d) out.push_back(x.shape()[d]);
  int64_t merged = 1;
  for (int64_t d = start; d <= end; ++d) merged *= x.shape()[d];
  out.push_back(merged);
  for (int64_t d = end + 1; d < x.dim(); ++d) out.push_back(x.shape()[d]);
  return reshape(x, out);
}

Tensor unsqueeze(const Tensor& x, int64_t dim) {
  detail::check_defined("unsqueeze", x);
  int64_t d = wrap_dim("unsqueeze", dim, x.dim() + 1);
  std::vector<int64_t> sizes = x.shape().to_vector();
  sizes.insert(sizes.begin() + d, 1);
  return reshape(x, Shape(sizes));
}

Tensor squeeze(const Tensor& x, int64_t dim) {
  detail::check_defined("squeeze", x);
  if (x.dim() == 0) return x;
  int64_t d = wrap_dim("squeeze", dim, x.dim());
  if (x.shape()[d] != 1) return x;  // as PyTorch: squeezing a dim that is not 1 does nothing
  std::vector<int64_t> sizes = x.shape().to_vector();
  sizes.erase(sizes.begin() + d);
  return reshape(x, Shape(sizes));
}

Tensor permute(const Tensor& x, const std::vector<int64_t>& dims) {
  detail::check_defined("permute", x);
  int64_t nd = x.dim();
  if (static_cast<int64_t>(dims.size()) != nd) {
    throw ShapeError("permute: " + std::to_string(dims.size()) + " dims given for a tensor of shape " +
                     to_string(x.shape()));
  }
  std::vector<int64_t> perm(nd), inverse(nd, -1);
  for (int64_t i = 0; i < nd; ++i) {
    perm[i] = wrap_dim("permute", dims[i], nd);
    if (inverse[perm[i]] >= 0) throw ValueError("permute: dim " + std::to_string(dims[i]) + " repeats");
    inverse[perm[i]] = i;
  }
  Shape out;
  int64_t in_strides[Shape::kMaxDims], stride = 1;
  for (int64_t d = nd - 1; d >= 0; --d) {
    in_strides[d] = stride;
    stride *= x.shape()[d];
  }
  int64_t strides[Shape::kMaxDims];  // input stride of each output dim
  for (int64_t i = 0; i < nd; ++i) {
    out.push_back(x.shape()[perm[i]]);
    strides[i] = in_strides[perm[i]];
  }
  Tensor y = Tensor::empty(out, x.dtype());
  int64_t n = y.numel(), es = static_cast<int64_t>(element_size(x.dtype()));
  if (n > 0) {
    const char* px = static_cast<const char*>(x.raw_data());
    char* py = static_cast<char*>(y.raw_data());
    int64_t idx[Shape::kMaxDims] = {}, offset = 0;
    for (int64_t i = 0; i < n; ++i) {
      std::memcpy(py + i * es, px + offset * es, es);
      for (int64_t d = nd - 1; d >= 0; --d) {
        offset += strides[d];
        if (++idx[d] < out[d]) break;
        offset -= strides[d] * out[d];
        idx[d] = 0;
      }
    }
  }
  if (!is_floating(x.dtype())) return y;
  return autograd::record("permute", y, {x}, [inverse](const Tensor& dy) { return Grads{permute(dy, inverse)}; });
}

Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
  detail::check_defined("transpose", x);
  std::vector<int64_t> dims(x.dim());
  for (int64_t d = 0; d < x.dim(); ++d) dims[d] = d;
  std::swap(dims[wrap_dim("transpose", dim0, x.dim())], dims[wrap_dim("transpose", dim1, x.dim())]);
  return permute(x, dims);
}

Tensor concat(const std::vector<Tensor>& xs, int64_t dim) {
  if (xs.empty()) throw ValueError("concat: expects at least one tensor");
  for (const Tensor& x : xs) detail::check_defined("concat", x);
  const Tensor& first = xs[0];
  int64_t d = wrap_dim("concat", dim, first.dim());
  int64_t total = 0;
  for (size_t k = 0; k < xs.size(); ++k) {
    const Tensor& x = xs[k];
    bool ok = x.dim() == first.dim() && x.dtype() == first.dtype();
    for (int64_t j = 0; ok && j < x.dim(); ++j) ok = j == d || x.shape()[j] == first.shape()[j];
    if (!ok) {
      throw ShapeError("concat: tensor " + std::to_string(k) + " is " + to_string(x.dtype()) + " " +
                       to_string(x.shape()) + ", tensor 0 is " + to_string(first.dtype()) + " " +
                       to_string(first.shape()) + "; all sizes but dim " + std::to_string(d) + " must match");
    }
    total += x.shape()[d];
  }
  Shape out = first.shape();
  out[d] = total;
  Tensor y = Tensor::empty(out, first.dtype());
  detail::DimSplit s = detail::split_at(out, d);
  int64_t es = static_cast<int64_t>(element_size(first.dtype()));
  char* py = static_cast<char*>(y.raw_data());
  int64_t start = 0;
  for (const Tensor& x : xs) {
    int64_t chunk = x.shape()[d] * s.inner * es;
    const char* px = static_cast<const char*>(x.raw_data());
    for (int64_t o = 0; o < s.outer; ++o) {
      std::memcpy(py + (o * total + start) * s.inner * es, px + o * chunk, chunk);
    }
    start += x.shape()[d];
  }
  if (!is_floating(first.dtype())) return y;
  std::vector<int64_t> sizes;
  for (const Tensor& x : xs) sizes.push_back(x.shape()[d]);
  return autograd::record("concat", y, xs, [d, sizes](const Tensor& dy) {
    Grads grads;
    int64_t offset = 0;
    for (int64_t size : sizes) {
      grads.push_back(narrow(dy, d, offset, size).clone());
      offset += size;
    }
    return grads;
  });
}

}  // namespace minidl

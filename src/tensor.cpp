// Tensor: storage, element access, in-place fills, factories and PyTorch-style printing.
#include "minidl/tensor.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <ostream>
#include <sstream>

#include "dispatch.h"
#include "live_counter.h"
#include "minidl/allocator.h"
#include "minidl/autograd/engine.h"
#include "minidl/autograd/node.h"
#include "minidl/error.h"
#include "minidl/ops/elementwise.h"
#include "minidl/ops/reduce.h"
#include "minidl/ops/view.h"
#include "minidl/random.h"

namespace minidl {

namespace {
detail::LiveCounter g_live_storages;

void check_shape(const char* op, const Shape& shape) {
  for (int64_t s : shape) {
    if (s < 0) throw ValueError(std::string(op) + ": negative size in shape " + minidl::to_string(shape));
  }
}

// Calls f.template operator()<T>() for T in float, double, int64_t.
template <class F>
decltype(auto) dispatch_all(Dtype dtype, F&& f) {
  switch (dtype) {
    case Dtype::Float32: return f.template operator()<float>();
    case Dtype::Float64: return f.template operator()<double>();
    case Dtype::Int64: break;
  }
  return f.template operator()<int64_t>();
}

int64_t flat_index(const char* op, const Tensor& x, std::initializer_list<int64_t> index) {
  if (static_cast<int64_t>(index.size()) != x.dim()) {
    throw IndexError(std::string(op) + ": " + std::to_string(index.size()) + " indices for a tensor of shape " +
                     minidl::to_string(x.shape()));
  }
  int64_t flat = 0, d = 0;
  for (int64_t i : index) {
    int64_t size = x.shape()[d];
    if (i < -size || i >= size) {
      throw IndexError(std::string(op) + ": index " + std::to_string(i) + " is out of range for dim " +
                       std::to_string(d) + " of shape " + minidl::to_string(x.shape()));
    }
    flat = flat * size + (i < 0 ? i + size : i);
    ++d;
  }
  return flat;
}
}  // namespace

Storage::Storage(size_t nbytes) : data_(detail::allocate(nbytes)), nbytes_(nbytes) { g_live_storages.add(1); }
Storage::Storage(void* data, size_t nbytes, std::function<void()> release)
    : data_(data), nbytes_(nbytes), release_(std::move(release)) {
  g_live_storages.add(1);
}
Storage::~Storage() {
  if (release_) {
    release_();
  } else {
    detail::deallocate(data_, nbytes_);
  }
  g_live_storages.add(-1);
}
int64_t Storage::live_count() { return g_live_storages.live(); }

Tensor Tensor::empty(const Shape& shape, Dtype dtype) {
  check_shape("empty", shape);
  auto impl = make_pooled<TensorImpl>();
  impl->storage = make_pooled<Storage>(static_cast<size_t>(shape.numel()) * element_size(dtype));
  impl->shape = shape;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor from_blob(void* data, const Shape& shape, Dtype dtype, std::function<void()> release) {
  check_shape("from_blob", shape);
  if (!data && shape.numel() > 0) throw ValueError("from_blob: null data for shape " + minidl::to_string(shape));
  if (!release) release = [] {};  // never hand foreign memory to the caching allocator
  auto impl = make_pooled<TensorImpl>();
  impl->storage = make_pooled<Storage>(data, static_cast<size_t>(shape.numel()) * element_size(dtype), std::move(release));
  impl->shape = shape;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

int64_t Tensor::size(int64_t d) const { return impl_->shape[wrap_dim("size", d, dim())]; }

template <class T>
T* Tensor::data() const {
  if (dtype_of<T>() != impl_->dtype) {
    throw DtypeError("data<" + minidl::to_string(dtype_of<T>()) + ">: the tensor is " + minidl::to_string(impl_->dtype));
  }
  return static_cast<T*>(impl_->storage->data()) + impl_->offset;
}
template float* Tensor::data<float>() const;
template double* Tensor::data<double>() const;
template int64_t* Tensor::data<int64_t>() const;

void* Tensor::raw_data() const {
  return static_cast<char*>(impl_->storage->data()) + impl_->offset * element_size(impl_->dtype);
}

double Tensor::item() const {
  if (numel() != 1) {
    throw ValueError("item: the tensor has " + std::to_string(numel()) + " elements, shape " + minidl::to_string(shape()) +
                     "; item() needs exactly one");
  }
  return dispatch_all(dtype(), [&]<class T>() { return static_cast<double>(data<T>()[0]); });
}

double Tensor::at(std::initializer_list<int64_t> index) const {
  int64_t i = flat_index("at", *this, index);
  return dispatch_all(dtype(), [&]<class T>() { return static_cast<double>(data<T>()[i]); });
}

void Tensor::set(std::initializer_list<int64_t> index, double value) {
  int64_t i = flat_index("set", *this, index);
  dispatch_all(dtype(), [&]<class T>() { data<T>()[i] = static_cast<T>(value); });
}

std::vector<double> Tensor::to_vector() const {
  std::vector<double> out(static_cast<size_t>(numel()));
  dispatch_all(dtype(), [&]<class T>() {
    const T* p = data<T>();
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<double>(p[i]);
  });
  return out;
}

Tensor& Tensor::requires_grad_(bool requires_grad) {
  if (requires_grad && !is_floating(dtype())) {
    throw DtypeError("requires_grad_: only float32 and float64 tensors can require gradients, this one is " +
                     minidl::to_string(dtype()));
  }
  if (!is_leaf()) {
    throw AutogradError("requires_grad_: the tensor is the output of '" + std::string(grad_fn()->name) +
                        "', not a leaf; call detach() first");
  }
  impl_->requires_grad = requires_grad;
  return *this;
}

void Tensor::set_grad(const Tensor& grad) {
  if (grad.defined() && (grad.shape() != shape() || grad.dtype() != dtype())) {
    throw ShapeError("set_grad: gradient " + minidl::to_string(grad.dtype()) + " " + minidl::to_string(grad.shape()) +
                     " does not match the tensor, " + minidl::to_string(dtype()) + " " + minidl::to_string(shape()));
  }
  impl_->grad = grad.impl();
}

void Tensor::backward(const Tensor& grad, bool retain_graph) const { autograd::backward(*this, grad, retain_graph); }

Tensor Tensor::detach() const {
  auto impl = make_pooled<TensorImpl>();
  impl->storage = impl_->storage;
  impl->offset = impl_->offset;
  impl->shape = impl_->shape;
  impl->dtype = impl_->dtype;
  return Tensor(std::move(impl));
}

Tensor& Tensor::zero_() { return fill_(0.0); }

Tensor& Tensor::fill_(double value) {
  dispatch_all(dtype(), [&]<class T>() { std::fill_n(data<T>(), numel(), static_cast<T>(value)); });
  return *this;
}

Tensor& Tensor::copy_(const Tensor& src) {
  if (src.shape() != shape() || src.dtype() != dtype()) {
    throw ShapeError("copy_: source " + minidl::to_string(src.dtype()) + " " + minidl::to_string(src.shape()) +
                     " does not match destination " + minidl::to_string(dtype()) + " " + minidl::to_string(shape()));
  }
  if (raw_data() != src.raw_data()) {
    std::memmove(raw_data(), src.raw_data(), static_cast<size_t>(numel()) * element_size(dtype()));
  }
  return *this;
}

Tensor Tensor::reshape(const Shape& shape) const { return minidl::reshape(*this, shape); }
Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const { return minidl::flatten(*this, start_dim, end_dim); }
Tensor Tensor::t() const {
  if (dim() != 2) throw ShapeError("t: expects a 2-D tensor, got shape " + minidl::to_string(shape()));
  return minidl::transpose(*this, 0, 1);
}
Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const { return minidl::transpose(*this, dim0, dim1); }
Tensor Tensor::sum() const { return minidl::sum(*this); }
Tensor Tensor::mean() const { return minidl::mean(*this); }
Tensor Tensor::sum(const std::vector<int64_t>& dims, bool keepdim) const { return minidl::sum(*this, dims, keepdim); }
Tensor Tensor::mean(const std::vector<int64_t>& dims, bool keepdim) const { return minidl::mean(*this, dims, keepdim); }

// ---- factories ---------------------------------------------------------------------------------

Tensor zeros(const Shape& shape, Dtype dtype) { return full(shape, 0.0, dtype); }
Tensor ones(const Shape& shape, Dtype dtype) { return full(shape, 1.0, dtype); }
Tensor full(const Shape& shape, double value, Dtype dtype) {
  Tensor x = Tensor::empty(shape, dtype);
  x.fill_(value);
  return x;
}
Tensor zeros_like(const Tensor& x) { return zeros(x.shape(), x.dtype()); }
Tensor ones_like(const Tensor& x) { return ones(x.shape(), x.dtype()); }

Tensor arange(double start, double end, double step, Dtype dtype) {
  if (step == 0 || !std::isfinite(start) || !std::isfinite(end) || !std::isfinite(step)) {
    throw ValueError("arange: step must be nonzero and bounds finite, got start " + std::to_string(start) +
                     ", end " + std::to_string(end) + ", step " + std::to_string(step));
  }
  int64_t n = std::max<int64_t>(0, static_cast<int64_t>(std::ceil((end - start) / step)));
  Tensor x = Tensor::empty({n}, dtype);
  dispatch_all(dtype, [&]<class T>() {
    T* p = x.data<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(start + static_cast<double>(i) * step);
  });
  return x;
}
Tensor arange(int64_t end, Dtype dtype) { return arange(0.0, static_cast<double>(end), 1.0, dtype); }

namespace {
template <class V>
Tensor from_values(const std::vector<V>& values, const Shape& shape, Dtype dtype) {
  Shape s = shape.empty() ? Shape{static_cast<int64_t>(values.size())} : shape;
  if (s.numel() != static_cast<int64_t>(values.size())) {
    throw ShapeError("tensor: " + std::to_string(values.size()) + " values do not fill shape " + minidl::to_string(s) +
                     " (" + std::to_string(s.numel()) + " elements)");
  }
  Tensor x = Tensor::empty(s, dtype);
  dispatch_all(dtype, [&]<class T>() {
    T* p = x.data<T>();
    for (size_t i = 0; i < values.size(); ++i) p[i] = static_cast<T>(values[i]);
  });
  return x;
}
}  // namespace

Tensor tensor(const std::vector<double>& values, const Shape& shape, Dtype dtype) {
  return from_values(values, shape, dtype);
}
Tensor tensor(std::initializer_list<double> values, const Shape& shape, Dtype dtype) {
  return from_values(std::vector<double>(values), shape, dtype);
}
Tensor tensor(const std::vector<float>& values, const Shape& shape) { return from_values(values, shape, kFloat32); }
Tensor tensor(const std::vector<int64_t>& values, const Shape& shape) { return from_values(values, shape, kInt64); }
Tensor scalar_tensor(double value, Dtype dtype) {
  Tensor x = Tensor::empty({}, dtype);
  x.fill_(value);
  return x;
}

namespace {
template <class Sample>
Tensor random_fill(const char* op, const Shape& shape, Dtype dtype, Sample sample) {
  Tensor x = Tensor::empty(shape, dtype);
  detail::dispatch_float(op, dtype, [&]<class T>() {
    T* p = x.data<T>();
    for (int64_t i = 0, n = x.numel(); i < n; ++i) p[i] = static_cast<T>(sample());
  });
  return x;
}
}  // namespace

Tensor rand(const Shape& shape, Generator& gen, Dtype dtype) {
  return random_fill("rand", shape, dtype, [&] { return gen.uniform(); });
}
Tensor randn(const Shape& shape, Generator& gen, Dtype dtype) {
  return random_fill("randn", shape, dtype, [&] { return gen.normal(); });
}
Tensor uniform(const Shape& shape, double a, double b, Generator& gen, Dtype dtype) {
  if (!(a <= b)) throw ValueError("uniform: expected a <= b, got a = " + std::to_string(a) + ", b = " + std::to_string(b));
  return random_fill("uniform", shape, dtype, [&] { return a + (b - a) * gen.uniform(); });
}
Tensor normal(const Shape& shape, double mean, double std, Generator& gen, Dtype dtype) {
  if (!(std >= 0)) throw ValueError("normal: std must be >= 0, got " + std::to_string(std));
  return random_fill("normal", shape, dtype, [&] { return mean + std * gen.normal(); });
}

Tensor randperm(int64_t n, Generator& gen) {
  if (n < 0) throw ValueError("randperm: n must be >= 0, got " + std::to_string(n));
  Tensor x = arange(n, kInt64);
  int64_t* p = x.data<int64_t>();
  // Drawn from a local copy: the int64 stores could alias the generator's uint64 state, which
  // made the compiler reload and store it around every swap (the epoch shuffle ran 50% slower).
  Generator local = gen;
  for (int64_t i = n - 1; i > 0; --i) std::swap(p[i], p[static_cast<int64_t>(local.below(static_cast<uint64_t>(i + 1)))]);
  gen = local;
  return x;
}

// ---- printing, following torch/_tensor_str.py ------------------------------------------------------

namespace {

struct Formatter {
  bool integer_mode = true;  // floats that are all whole numbers print as "3."
  bool sci_mode = false;
  bool is_int = false;
  int width = 1;

  std::string format(double v) const {
    char buf[64];
    if (is_int) {
      std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
    } else if (std::isnan(v)) {
      std::snprintf(buf, sizeof buf, "nan");
    } else if (std::isinf(v)) {
      std::snprintf(buf, sizeof buf, v > 0 ? "inf" : "-inf");
    } else if (sci_mode) {
      std::snprintf(buf, sizeof buf, "%.4e", v);
    } else if (integer_mode) {
      std::snprintf(buf, sizeof buf, "%.0f.", v);
    } else {
      std::snprintf(buf, sizeof buf, "%.4f", v);
    }
    return buf;
  }
};

Formatter make_formatter(const std::vector<double>& values, bool is_int) {
  Formatter f;
  f.is_int = is_int;
  if (!is_int) {
    double max_abs = 0, min_abs = INFINITY;
    bool any = false;
    for (double v : values) {
      if (!std::isfinite(v)) continue;
      if (v != std::ceil(v)) f.integer_mode = false;
      double a = std::fabs(v);
      if (a == 0) continue;
      any = true;
      max_abs = std::max(max_abs, a);
      min_abs = std::min(min_abs, a);
    }
    if (any) {
      if (f.integer_mode) {
        f.sci_mode = max_abs / min_abs > 1000.0 || max_abs > 1e8;
      } else {
        f.sci_mode = max_abs / min_abs > 1000.0 || max_abs > 1e8 || min_abs < 1e-4;
      }
    }
  }
  for (double v : values) f.width = std::max<int>(f.width, static_cast<int>(f.format(v).size()));
  return f;
}

constexpr int64_t kEdgeItems = 3;
constexpr int64_t kThreshold = 1000;
constexpr int64_t kLineWidth = 80;

// Indices shown along a dim of `size`: all, or the first and last kEdgeItems (-1 marks "...").
std::vector<int64_t> shown(int64_t size, bool summarize) {
  std::vector<int64_t> idx;
  if (summarize && size > 2 * kEdgeItems) {
    for (int64_t i = 0; i < kEdgeItems; ++i) idx.push_back(i);
    idx.push_back(-1);
    for (int64_t i = size - kEdgeItems; i < size; ++i) idx.push_back(i);
  } else {
    for (int64_t i = 0; i < size; ++i) idx.push_back(i);
  }
  return idx;
}

void collect(const std::vector<double>& all, const Shape& shape, int64_t dim, int64_t base, bool summarize,
             std::vector<double>& out) {
  int64_t stride = 1;
  for (int64_t d = dim + 1; d < shape.dim(); ++d) stride *= shape[d];
  for (int64_t i : shown(shape[dim], summarize)) {
    if (i < 0) continue;
    if (dim + 1 == shape.dim()) {
      out.push_back(all[base + i]);
    } else {
      collect(all, shape, dim + 1, base + i * stride, summarize, out);
    }
  }
}

std::string format_dim(const std::vector<double>& all, const Shape& shape, int64_t dim, int64_t base, int indent,
                       bool summarize, const Formatter& f) {
  int64_t stride = 1;
  for (int64_t d = dim + 1; d < shape.dim(); ++d) stride *= shape[d];
  std::string s = "[";
  auto idx = shown(shape[dim], summarize);
  if (dim + 1 == shape.dim()) {
    int64_t per_line = std::max<int64_t>(1, (kLineWidth - indent) / (f.width + 2));
    int64_t col = 0;
    for (size_t k = 0; k < idx.size(); ++k) {
      std::string item = idx[k] < 0 ? " ..." : f.format(all[base + idx[k]]);  // PyTorch pads it so
      if (idx[k] >= 0) item = std::string(f.width - item.size(), ' ') + item;
      if (k) s += (col % per_line == 0) ? ",\n" + std::string(indent + 1, ' ') : ", ";
      s += item;
      ++col;
    }
  } else {
    std::string sep = "," + std::string(shape.dim() - dim - 1, '\n') + std::string(indent + 1, ' ');
    for (size_t k = 0; k < idx.size(); ++k) {
      if (k) s += sep;
      s += idx[k] < 0 ? "..." : format_dim(all, shape, dim + 1, base + idx[k] * stride, indent + 1, summarize, f);
    }
  }
  return s + "]";
}

}  // namespace

std::string Tensor::to_string() const {
  if (!defined()) return "tensor(undefined)";
  std::vector<double> all = to_vector();
  bool is_int = dtype() == kInt64;
  bool summarize = numel() > kThreshold;
  std::string body;
  std::vector<std::string> suffixes;
  if (dim() == 0) {
    body = make_formatter(all, is_int).format(all[0]);
  } else if (numel() == 0) {
    body = "[]";
    if (dim() != 1) suffixes.push_back("size=" + minidl::to_string(shape()));
  } else {
    std::vector<double> visible;
    collect(all, shape(), 0, 0, summarize, visible);
    body = format_dim(all, shape(), 0, 0, 7, summarize, make_formatter(visible, is_int));
  }
  if (dtype() == kFloat64) suffixes.push_back("dtype=torch.float64");
  if (grad_fn()) {
    suffixes.push_back(std::string("grad_fn=<") + grad_fn()->name + ">");
  } else if (requires_grad()) {
    suffixes.push_back("requires_grad=True");
  }
  std::string s = "tensor(" + body;
  for (const auto& suffix : suffixes) s += ", " + suffix;
  return s + ")";
}

std::string to_string(const Tensor& x) { return x.to_string(); }
std::ostream& operator<<(std::ostream& os, const Tensor& x) { return os << x.to_string(); }

}  // namespace minidl

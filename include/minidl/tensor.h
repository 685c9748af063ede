// Tensor: an n-dimensional, row-major, contiguous array of float32, float64 or int64 values.
// A Tensor is a shared handle, as in PyTorch: copying one shares the data; `clone()` copies it.
// Views (reshape, view, detach, narrow along dim 0) share storage with an element offset.
// Every tensor is contiguous, so every kernel is a plain loop over memory; transposes that would
// be views in PyTorch are copies here, except inside matmul, which passes them to BLAS as flags.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "minidl/dtype.h"
#include "minidl/shape.h"

namespace minidl {

namespace autograd {
struct Node;
}

// A block of memory from the caching allocator, shared by a tensor and its views.
class Storage {
 public:
  explicit Storage(size_t nbytes);
  // Memory owned by someone else (a NumPy array, a DLPack tensor): never freed here; `release`
  // runs once, when the last tensor sharing the storage is gone (it drops the owner's reference).
  Storage(void* data, size_t nbytes, std::function<void()> release);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  static int64_t live_count();  // storages alive now (tests check the graph frees them)

 private:
  void* data_;
  size_t nbytes_;
  std::function<void()> release_;  // set for external memory only
};

class Tensor;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  int64_t offset = 0;  // in elements
  Shape shape;
  Dtype dtype = kFloat32;
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;             // leaves only: accumulated by backward()
  std::shared_ptr<autograd::Node> grad_fn;      // non-leaves: the op that made this tensor
};

class Tensor {
 public:
  Tensor() = default;  // undefined: an absent gradient, an absent bias
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // Uninitialised memory of the given shape.
  static Tensor empty(const Shape& shape, Dtype dtype = kFloat32);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl_->shape; }
  int64_t dim() const { return impl_->shape.dim(); }
  int64_t size(int64_t d) const;  // negative d counts from the end
  int64_t numel() const { return impl_->shape.numel(); }
  Dtype dtype() const { return impl_->dtype; }

  // Typed pointer to the first element; throws DtypeError if T does not match dtype().
  template <class T> T* data() const;
  void* raw_data() const;

  // Element access, for tests and printing (slow: not for kernels).
  double item() const;                                  // the one element of a 1-element tensor
  double at(std::initializer_list<int64_t> index) const;
  void set(std::initializer_list<int64_t> index, double value);
  std::vector<double> to_vector() const;                // all elements as double, row-major

  // Autograd.
  bool requires_grad() const { return impl_->requires_grad; }
  Tensor& requires_grad_(bool requires_grad = true);  // leaves only; float dtypes only
  bool is_leaf() const { return impl_->grad_fn == nullptr; }
  Tensor grad() const { return Tensor(impl_->grad); }  // undefined until backward reaches it
  void set_grad(const Tensor& grad);
  const std::shared_ptr<autograd::Node>& grad_fn() const { return impl_->grad_fn; }
  // Backpropagates from this tensor: a scalar, or any tensor given `grad` of its shape.
  void backward(const Tensor& grad = Tensor(), bool retain_graph = false) const;
  Tensor detach() const;  // shares storage, no history

  // In-place, never recorded (for optimizers and initialisation, normally under NoGradGuard).
  Tensor& zero_();
  Tensor& fill_(double value);
  Tensor& copy_(const Tensor& src);  // same shape and dtype
  Tensor& add_(const Tensor& other, double alpha = 1.0);  // this += alpha * other, same shape
  Tensor& mul_(double s);

  // Method forms of the common ops (see ops/*.h).
  Tensor clone() const;
  Tensor to(Dtype dtype) const;
  Tensor reshape(const Shape& shape) const;
  Tensor view(const Shape& shape) const { return reshape(shape); }
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor t() const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor sum() const;
  Tensor mean() const;
  Tensor sum(const std::vector<int64_t>& dims, bool keepdim = false) const;
  Tensor mean(const std::vector<int64_t>& dims, bool keepdim = false) const;

  // `tensor([[1., 2.], [3., 4.]])`, formatted as PyTorch prints.
  std::string to_string() const;

  const std::shared_ptr<TensorImpl>& impl() const { return impl_; }
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }
  // No other handle, view or saved reference shares this tensor or its storage, so its memory can
  // be taken over or overwritten in place (autograd does so with gradients it alone holds).
  bool is_sole_owner() const { return impl_.use_count() == 1 && impl_->storage.use_count() == 1; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

// A tensor over memory it does not own (contiguous, row-major, `dtype` elements): no copy is made,
// and `release` runs when the last tensor or view sharing the memory is gone.
Tensor from_blob(void* data, const Shape& shape, Dtype dtype, std::function<void()> release);

// Factories. Shapes are checked (negative sizes are a ValueError).
Tensor zeros(const Shape& shape, Dtype dtype = kFloat32);
Tensor ones(const Shape& shape, Dtype dtype = kFloat32);
Tensor full(const Shape& shape, double value, Dtype dtype = kFloat32);
Tensor zeros_like(const Tensor& x);
Tensor ones_like(const Tensor& x);
Tensor arange(double start, double end, double step = 1.0, Dtype dtype = kFloat32);
Tensor arange(int64_t end, Dtype dtype = kInt64);
// From values; the shape defaults to 1-D. The values' count must match the shape.
Tensor tensor(const std::vector<double>& values, const Shape& shape = {}, Dtype dtype = kFloat32);
// Braced lists: tensor({1.0, 2.0}) is float32 (or `dtype`); for int64 pass a std::vector<int64_t>.
Tensor tensor(std::initializer_list<double> values, const Shape& shape = {}, Dtype dtype = kFloat32);
Tensor tensor(const std::vector<float>& values, const Shape& shape = {});
Tensor tensor(const std::vector<int64_t>& values, const Shape& shape = {});
Tensor scalar_tensor(double value, Dtype dtype = kFloat32);

class Generator;
Tensor rand(const Shape& shape, Generator& gen, Dtype dtype = kFloat32);   // U[0, 1)
Tensor randn(const Shape& shape, Generator& gen, Dtype dtype = kFloat32);  // N(0, 1)
Tensor uniform(const Shape& shape, double a, double b, Generator& gen, Dtype dtype = kFloat32);
Tensor normal(const Shape& shape, double mean, double std, Generator& gen, Dtype dtype = kFloat32);
Tensor randperm(int64_t n, Generator& gen);  // int64 permutation of 0..n-1 (Fisher-Yates)

std::string to_string(const Tensor& x);
std::ostream& operator<<(std::ostream& os, const Tensor& x);

}  // namespace minidl

// Activation modules: parameter-free wrappers of the ops in ops/activation.h, among them the
// reports' "rectified tanh" under a clearer name, ShiftedTanh. Every one keeps x's shape.
#pragma once

#include <memory>

#include "minidl/nn/module.h"
#include "minidl/ops/activation.h"

namespace minidl::nn {

// The four below are final: nn::Sequential runs a Linear followed by one of them as one op
// (linear_relu, ...), which a subclass computing something else would get wrong.
class ReLU final : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "ReLU"; }
};

class LeakyReLU final : public Module {
 public:
  explicit LeakyReLU(double negative_slope = 0.01) : negative_slope_(negative_slope) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "LeakyReLU"; }
  std::string extra_repr() const override;  // "negative_slope=0.1"
  double negative_slope() const { return negative_slope_; }

 private:
  double negative_slope_;
};

class Tanh final : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Tanh"; }
};

class Sigmoid final : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Sigmoid"; }
};

class ShiftedTanh : public Module {
 public:
  Tensor forward(const Tensor& x) override { return minidl::shifted_tanh(x); }
  std::string type_name() const override { return "ShiftedTanh"; }
};

// softmax along `dim` (no default: PyTorch's implicit dim is deprecated).
class Softmax : public Module {
 public:
  explicit Softmax(int64_t dim) : dim_(dim) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Softmax"; }
  std::string extra_repr() const override { return "dim=" + std::to_string(dim_); }

 private:
  int64_t dim_;
};

class LogSoftmax : public Module {
 public:
  explicit LogSoftmax(int64_t dim) : dim_(dim) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "LogSoftmax"; }
  std::string extra_repr() const override { return "dim=" + std::to_string(dim_); }

 private:
  int64_t dim_;
};

std::shared_ptr<ReLU> relu();
std::shared_ptr<LeakyReLU> leaky_relu(double negative_slope = 0.01);
std::shared_ptr<Tanh> tanh();
std::shared_ptr<Sigmoid> sigmoid();
std::shared_ptr<ShiftedTanh> shifted_tanh();
std::shared_ptr<Softmax> softmax(int64_t dim);
std::shared_ptr<LogSoftmax> log_softmax(int64_t dim);

// GELU: x Phi(x), exact (approximate = none) or with PyTorch's tanh approximation.
class GELU : public Module {
 public:
  explicit GELU(GeluApproximate approximate = GeluApproximate::none) : approximate_(approximate) {}
  explicit GELU(const std::string& approximate);  // "none" or "tanh", PyTorch's strings
  Tensor forward(const Tensor& x) override { return minidl::gelu(x, approximate_); }
  std::string type_name() const override { return "GELU"; }
  std::string extra_repr() const override { return "approximate='" + to_string(approximate_) + "'"; }  // PyTorch's
  GeluApproximate approximate() const { return approximate_; }

 private:
  GeluApproximate approximate_;
};

// SiLU (swish): x sigmoid(x).
class SiLU : public Module {
 public:
  Tensor forward(const Tensor& x) override { return minidl::silu(x); }
  std::string type_name() const override { return "SiLU"; }
};

std::shared_ptr<GELU> gelu(GeluApproximate approximate = GeluApproximate::none);
std::shared_ptr<SiLU> silu();

}  // namespace minidl::nn

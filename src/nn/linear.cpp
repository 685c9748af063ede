// Linear: validates its options, draws its parameters, then calls the linear op (one GEMM).
#include "minidl/nn/linear.h"

#include <cmath>

#include "minidl/ops/matmul.h"

namespace minidl::nn {

Linear::Linear(int64_t in_features, int64_t out_features, bool bias)
    : Linear(in_features, out_features, LinearOptions{.bias = bias}) {}

Linear::Linear(int64_t in_features, int64_t out_features, const LinearOptions& options)
    : in_features_(in_features), out_features_(out_features) {
  if (in_features <= 0 || out_features <= 0) {
    throw ValueError("Linear: in_features and out_features must be > 0, got in_features=" + std::to_string(in_features) +
                     ", out_features=" + std::to_string(out_features));
  }
  if (!is_floating(options.dtype)) throw DtypeError("Linear: dtype must be float32 or float64, got " + to_string(options.dtype));
  if (options.init == Init::normal && !options.weight_std) throw ValueError("Linear: Init::normal needs weight_std");
  if (options.init != Init::normal && options.weight_std) {
    throw ValueError("Linear: weight_std is the std of Init::normal; it does not apply to another init");
  }
  for (const auto& std : {options.weight_std, options.bias_std}) {
    if (std && !(*std >= 0)) throw ValueError("Linear: weight_std and bias_std must be >= 0, got " + std::to_string(*std));
  }
  if (options.bias_std && !options.bias) throw ValueError("Linear: bias_std given but bias=false");
  if (!std::isfinite(options.gain)) throw ValueError("Linear: gain must be finite, got " + std::to_string(options.gain));
  if (options.gain != 1.0 && options.init != Init::xavier_uniform && options.init != Init::xavier_normal) {
    // PyTorch's xavier_* take a gain; kaiming_* derive theirs from the nonlinearity, the others have none.
    throw ValueError("Linear: gain " + detail::format_double(options.gain) +
                     " applies to Init::xavier_uniform and Init::xavier_normal only");
  }

  Generator own(options.seed);
  Generator& gen = options.generator ? *options.generator : own;
  Tensor w = Tensor::empty({out_features, in_features}, options.dtype);
  Tensor b = options.bias ? Tensor::empty({out_features}, options.dtype) : Tensor();
  switch (options.init) {
    case Init::pytorch_default: init::pytorch_default_(w, in_features, gen); break;
    case Init::pytorch_default_scaled: init::pytorch_default_scaled_(w, in_features, gen); break;
    case Init::xavier_uniform: init::xavier_uniform_(w, gen, options.gain); break;
    case Init::xavier_normal: init::xavier_normal_(w, gen, options.gain); break;
    case Init::kaiming_uniform: init::kaiming_uniform_(w, gen); break;
    case Init::kaiming_normal: init::kaiming_normal_(w, gen); break;
    case Init::normal: init::normal_(w, 0.0, *options.weight_std, gen); break;
    case Init::zeros: init::zeros_(w); break;
  }
  if (b.defined()) {
    if (options.bias_std) {
      init::normal_(b, 0.0, *options.bias_std, gen);
    } else if (options.init == Init::pytorch_default) {
      init::pytorch_default_(b, in_features, gen);
    } else if (options.init == Init::pytorch_default_scaled) {
      init::pytorch_default_scaled_(b, in_features, gen);
    } else {
      init::zeros_(b);
    }
  }
  weight_ = register_parameter("weight", w);
  if (b.defined()) bias_ = register_parameter("bias", b);
}

Tensor Linear::forward(const Tensor& x) {
  check_features(x, in_features_);  // "input has 24 features, expected 25", not the op's words
  return minidl::linear(x, weight_, bias_);
}

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_features_) + ", out_features=" + std::to_string(out_features_) +
         ", bias=" + (bias_.defined() ? "true" : "false");
}

std::shared_ptr<Linear> linear(int64_t in_features, int64_t out_features, bool bias) {
  return std::make_shared<Linear>(in_features, out_features, bias);
}
std::shared_ptr<Linear> linear(int64_t in_features, int64_t out_features, Generator& gen, bool bias) {
  return std::make_shared<Linear>(in_features, out_features, LinearOptions{.bias = bias, .generator = &gen});
}
std::shared_ptr<Linear> linear(int64_t in_features, int64_t out_features, const LinearOptions& options) {
  return std::make_shared<Linear>(in_features, out_features, options);
}

}  // namespace minidl::nn

// summary(): a Keras/torchsummary-style table of a model's layers, found by running one forward
// pass on zeros (under NoGradGuard) and noting what each leaf module outputs.
#pragma once

#include <string>

#include "minidl/nn/module.h"

namespace minidl::nn {

// One row per leaf-module call (a module used twice appears twice): its path, repr, output shape
// and parameter count; then total and trainable parameters, parameter and buffer memory, and the
// memory of the layer outputs for this input. The input is zeros of `input_shape` in the dtype of
// the model's first parameter (float32 for a model without parameters).
std::string summary(Module& model, const Shape& input_shape);

}  // namespace minidl::nn

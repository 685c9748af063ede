// Loss modules: only CrossEntropyLoss has an option to validate and print.
#include "minidl/nn/loss.h"

#include "minidl/error.h"
#include "minidl/nn/module.h"

namespace minidl::nn {

CrossEntropyLoss::CrossEntropyLoss(Reduction reduction, double label_smoothing)
    : Loss(reduction), label_smoothing_(label_smoothing) {
  if (!(label_smoothing >= 0.0 && label_smoothing <= 1.0)) {
    throw ValueError("CrossEntropyLoss: label_smoothing must be in [0, 1], got " + detail::format_double(label_smoothing));
  }
}

std::string CrossEntropyLoss::extra_repr() const {
  return Loss::extra_repr() + ", label_smoothing=" + detail::format_double(label_smoothing_);
}

}  // namespace minidl::nn

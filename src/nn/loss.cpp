// Loss modules: the options to validate and print (label smoothing, class weights, pos_weight).
#include "minidl/nn/loss.h"

#include "minidl/error.h"
#include "minidl/nn/module.h"

namespace minidl::nn {

namespace {

std::string values_repr(const Tensor& w) {  // "[1, 0.5]"
  std::string s;
  for (double v : w.to_vector()) s += (s.empty() ? "" : ", ") + detail::format_double(v);
  return "[" + s + "]";
}

// ", weight=[1, 0.5]" and ", ignore_index=0" for the options that are not PyTorch's defaults.
std::string weight_repr(const Tensor& weight, int64_t ignore_index) {
  std::string s = weight.defined() ? ", weight=" + values_repr(weight) : "";
  if (ignore_index != -100) s += ", ignore_index=" + std::to_string(ignore_index);
  return s;
}

}  // namespace

CrossEntropyLoss::CrossEntropyLoss(Reduction reduction, double label_smoothing)
    : Loss(reduction), label_smoothing_(label_smoothing) {
  if (!(label_smoothing >= 0.0 && label_smoothing <= 1.0)) {
    throw ValueError("CrossEntropyLoss: label_smoothing must be in [0, 1], got " + detail::format_double(label_smoothing));
  }
}

std::string CrossEntropyLoss::extra_repr() const {
  return Loss::extra_repr() + ", label_smoothing=" + detail::format_double(label_smoothing_) +
         weight_repr(weight_, ignore_index_);
}

namespace {

// A class or pos weight must be a 1-D tensor of floats: checked here, its length against the input by the op.
void check_weight(const char* where, const char* name, const Tensor& w) {
  if (!w.defined()) return;
  if (w.dim() != 1 || !is_floating(w.dtype())) {
    throw ValueError(std::string(where) + ": " + name + " must be a 1-D float tensor (one value per class), got " +
                     to_string(w.dtype()) + " " + to_string(w.shape()));
  }
}

}  // namespace

CrossEntropyLoss::CrossEntropyLoss(const CrossEntropyLossOptions& options)
    : CrossEntropyLoss(options.reduction, options.label_smoothing) {
  check_weight("CrossEntropyLoss", "weight", options.weight);
  weight_ = options.weight;
  ignore_index_ = options.ignore_index;
}

NLLLoss::NLLLoss(const NLLLossOptions& options) : Loss(options.reduction) {
  check_weight("NLLLoss", "weight", options.weight);
  weight_ = options.weight;
  ignore_index_ = options.ignore_index;
}

std::string NLLLoss::extra_repr() const { return Loss::extra_repr() + weight_repr(weight_, ignore_index_); }

BCEWithLogitsLoss::BCEWithLogitsLoss(const BCEWithLogitsLossOptions& options) : Loss(options.reduction) {
  check_weight("BCEWithLogitsLoss", "pos_weight", options.pos_weight);
  pos_weight_ = options.pos_weight;
}

std::string BCEWithLogitsLoss::extra_repr() const {
  return Loss::extra_repr() + (pos_weight_.defined() ? ", pos_weight=" + values_repr(pos_weight_) : "");
}

}  // namespace minidl::nn

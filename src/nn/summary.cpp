// summary(): records every leaf module's output through the forward observer of module.h.
#include "minidl/nn/summary.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "minidl/autograd/node.h"

namespace minidl::nn {

namespace {

struct Row {
  std::string path, layer, output;
  int64_t params = 0;
};

struct Recorder : detail::ForwardObserver {
  std::vector<Row> rows;
  int64_t output_bytes = 0;
  void before(const Module&, const std::string&, int) override {}
  void after(const Module& module, const std::string& path, const Tensor& y) override {
    if (!module.named_children().empty()) return;  // containers: their leaves are listed
    int64_t params = 0;
    for (const Tensor& p : module.parameters()) params += p.numel();
    rows.push_back({path, module.repr(), y.defined() ? to_string(y.shape()) : "undefined", params});
    if (y.defined()) output_bytes += y.numel() * static_cast<int64_t>(element_size(y.dtype()));
  }
};

// 1427 -> "1,427"
std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0 && digits[i - 1] != '-') out += ',';
    out += digits[i];
  }
  return out;
}

std::string bytes_text(int64_t bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, " bytes (%.2f KB)", static_cast<double>(bytes) / 1024.0);
  return with_commas(bytes) + buf;
}

std::string pad(const std::string& s, size_t width) { return s + std::string(width > s.size() ? width - s.size() : 0, ' '); }

}  // namespace

std::string summary(Module& model, const Shape& input_shape) {
  std::vector<Tensor> params = model.parameters();
  Dtype dtype = params.empty() ? kFloat32 : params.front().dtype();
  Recorder recorder;
  {
    autograd::NoGradGuard no_grad;
    detail::ObserveForwards observe(&recorder);
    model(zeros(input_shape, dtype));
  }
  int64_t total = 0, trainable = 0, param_bytes = 0;
  for (const Tensor& p : params) {
    total += p.numel();
    if (p.requires_grad()) trainable += p.numel();
    param_bytes += p.numel() * static_cast<int64_t>(element_size(p.dtype()));
  }
  for (const Tensor& b : model.buffers()) param_bytes += b.numel() * static_cast<int64_t>(element_size(b.dtype()));

  std::vector<Row> rows = recorder.rows;
  Row header{"Layer", "Module", "Output shape", 0};
  size_t w_path = header.path.size(), w_layer = header.layer.size(), w_out = header.output.size(), w_params = 6;
  for (const Row& r : rows) {
    w_path = std::max(w_path, r.path.size());
    w_layer = std::max(w_layer, r.layer.size());
    w_out = std::max(w_out, r.output.size());
    w_params = std::max(w_params, with_commas(r.params).size());
  }
  size_t width = w_path + w_layer + w_out + w_params + 6;
  std::string rule(width, '-'), out;
  out += "Input shape: " + to_string(input_shape) + ", " + to_string(dtype) + "\n" + rule + "\n";
  out += pad("Layer", w_path + 2) + pad("Module", w_layer + 2) + pad("Output shape", w_out + 2) + "Params\n";
  out += std::string(width, '=') + "\n";
  for (const Row& r : rows) {
    out += pad(r.path, w_path + 2) + pad(r.layer, w_layer + 2) + pad(r.output, w_out + 2) + with_commas(r.params) + "\n";
  }
  out += rule + "\n";
  out += "Total params: " + with_commas(total) + "\n";
  out += "Trainable params: " + with_commas(trainable) + "\n";
  out += "Non-trainable params: " + with_commas(total - trainable) + "\n";
  out += "Parameter and buffer memory: " + bytes_text(param_bytes) + "\n";
  out += "Layer output memory (this input): " + bytes_text(recorder.output_bytes) + "\n";
  return out;
}

}  // namespace minidl::nn

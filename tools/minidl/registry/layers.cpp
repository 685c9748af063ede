// The layer types of model.layers: one add() each, with its options and its builder.
// `in_features` and `in_channels` are inferred from the example shape the previous layer left.
#include "checked_size.h"
#include "registry/registry.h"
#include "sequence_layers.h"

namespace minidl::cli {

namespace {

using Build = std::function<void(const Options&, LayerContext&)>;

// A layer that keeps the shape of its input.
Build same_shape(std::function<std::shared_ptr<nn::Module>(const Options&)> make) {
  return [make](const Options& o, LayerContext& cx) { cx.seq.push_back(make(o)); };
}

void build_linear(const Options& o, LayerContext& cx) {
  Shape& shape = cx.shape;
  // 1-D examples, or (T, features) sequences, where it acts on each step's features
  if (shape.dim() != 1 && !(shape.dim() == 2 && cx.sequence)) {
    cx.fail(cx.where, "a linear layer needs 1-D examples, but they are " + to_string(shape) +
                          " here; put a {type = \"flatten\"} layer before it");
  }
  int64_t out = o.integer("out_features");
  if (out == 0 && cx.num_classes > 0) out = cx.num_classes;  // 0: one output per class (the vocabulary)
  if (out <= 0) cx.fail(cx.where + ".out_features", "must be > 0, got " + std::to_string(out));
  checked_bytes(cx.config.name() + ": " + cx.where, "a linear layer's weight", {out, shape.back()});
  cx.seq.push_back(nn::linear(shape.back(), out, cx.linear_options(o.boolean("bias"))));
  shape[shape.dim() - 1] = out;
}

void build_flatten(const Options&, LayerContext& cx) {
  int64_t n = 1;
  for (int64_t d = 0; d < cx.shape.dim(); ++d) n = checked_product(cx.config.name() + ": " + cx.where, {n, cx.shape[d]});
  cx.seq.push_back(nn::flatten());
  cx.shape = Shape{n};
}

void build_conv2d(const Options& o, LayerContext& cx) {
  Shape& shape = cx.shape;
  if (shape.dim() != 3) {
    cx.fail(cx.where, "a conv2d layer needs (channels, height, width) examples, but they are " + to_string(shape) +
                          " here (for images set data.flatten = false)");
  }
  int64_t out = o.integer("out_channels"), k = o.integer("kernel_size");
  int64_t stride = o.integer("stride"), padding = o.integer("padding");
  nn::Conv2dOptions c;
  c.stride = stride;
  c.padding = padding;
  c.bias = o.boolean("bias");
  c.generator = &cx.gen;
  checked_bytes(cx.config.name() + ": " + cx.where, "a conv2d layer's weight", {out, shape[0], k, k});
  cx.seq.push_back(nn::conv2d(shape[0], out, k, c));
  if (padding > (int64_t{1} << 30)) cx.fail(cx.where + ".padding", "is too large, got " + std::to_string(padding));
  int64_t h = (shape[1] + 2 * padding - k) / stride + 1, w = (shape[2] + 2 * padding - k) / stride + 1;
  if (h <= 0 || w <= 0) cx.fail(cx.where, "kernel_size " + std::to_string(k) + " is larger than the input " + to_string(shape));
  checked_bytes(cx.config.name() + ": " + cx.where, "a conv2d layer's output per example", {out, h, w});
  shape = Shape{out, h, w};
}

Build pool(bool max) {
  return [max](const Options& o, LayerContext& cx) {
    Shape& shape = cx.shape;
    if (shape.dim() != 3) cx.fail(cx.where, "a pooling layer needs (channels, height, width) examples, got " + to_string(shape));
    int64_t k = o.integer("kernel_size"), stride = o.has("stride") ? o.integer("stride") : k;
    if (max) cx.seq.push_back(nn::max_pool2d(k, stride));
    else cx.seq.push_back(nn::avg_pool2d(k, stride));
    int64_t h = (shape[1] - k) / stride + 1, w = (shape[2] - k) / stride + 1;
    if (h <= 0 || w <= 0) cx.fail(cx.where, "kernel_size " + std::to_string(k) + " is larger than the input " + to_string(shape));
    shape = Shape{shape[0], h, w};
  };
}

Build batch_norm(bool two_d) {
  return [two_d](const Options& o, LayerContext& cx) {
    const Shape& shape = cx.shape;
    if (two_d ? shape.dim() != 3 : (shape.dim() != 1 && shape.dim() != 2)) {
      cx.fail(cx.where, cx.spec.type + " does not fit examples of shape " + to_string(shape));
    }
    nn::BatchNormOptions b;
    b.momentum = o.number("momentum");
    b.eps = o.number("eps");
    if (two_d) cx.seq.push_back(nn::batch_norm2d(shape[0], b));
    else cx.seq.push_back(nn::batch_norm1d(shape[0], b));
  };
}

std::vector<Option> recurrent_options(bool nonlinearity) {
  std::vector<Option> o = {
      opt::integer("hidden_size", std::nullopt, "features of the hidden state").needed().above(0),
      opt::integer("num_layers", 1, "stacked layers").min(1),
      opt::boolean("bias", true, "biases b_ih and b_hh"),
      opt::boolean("bidirectional", false, "a second direction, outputs concatenated"),
      opt::number("dropout", 0.0, "between layers (needs num_layers > 1)").min(0).below(1),
      opt::string("output", "all", "`all`: every step, (T, D hidden_size); `last`: the last step, (D hidden_size)")
          .one_of({"all", "last"})};
  if (nonlinearity) o.push_back(opt::string("nonlinearity", "tanh", "the cell's activation").one_of({"tanh", "relu"}));
  return o;
}

std::vector<LayerRow> make_rows() {
  std::vector<LayerRow> r;
  add(r, "linear", "y = x w^T + b; on (T, features) sequences it acts on every step",
      {opt::integer("out_features", std::nullopt, "outputs; 0: one per class (e.g. a chars vocabulary)").needed().min(0),
       opt::boolean("bias", true, "learn an additive bias")},
      build_linear);
  add(r, "relu", "max(0, x)", {}, same_shape([](const Options&) { return nn::relu(); }));
  add(r, "tanh", "tanh x", {}, same_shape([](const Options&) { return nn::tanh(); }));
  add(r, "sigmoid", "1 / (1 + exp(-x))", {}, same_shape([](const Options&) { return nn::sigmoid(); }));
  add(r, "identity", "x", {}, same_shape([](const Options&) { return std::make_shared<nn::Identity>(); }));
  add(r, "flatten", "one example to a vector", {}, build_flatten);
  add(r, "shifted_tanh", "0.5 (1 + tanh x), report 003's \"rectified hyperbolic tangent\" (= sigmoid(2x))", {},
      same_shape([](const Options&) { return nn::shifted_tanh(); }));
  add(r, "gelu", "x Phi(x); approximate = \"tanh\" uses PyTorch's tanh formula",
      {opt::string("approximate", "none", "\"none\" (the exact erf form) or \"tanh\"").one_of({"none", "tanh"})},
      same_shape([](const Options& o) { return std::make_shared<nn::GELU>(o.string("approximate")); }));
  add(r, "silu", "x sigmoid(x) (swish)", {}, same_shape([](const Options&) { return nn::silu(); }));
  add(r, "leaky_relu", "x for x > 0, negative_slope * x otherwise",
      {opt::number("negative_slope", 0.01, "slope for x < 0")},
      same_shape([](const Options& o) { return nn::leaky_relu(o.number("negative_slope")); }));
  add(r, "softmax", "exp(x) / sum exp(x) along dim", {opt::integer("dim", 1, "the dimension that sums to 1")},
      same_shape([](const Options& o) { return nn::softmax(o.integer("dim")); }));
  add(r, "log_softmax", "log of softmax along dim", {opt::integer("dim", 1, "the dimension of the softmax")},
      same_shape([](const Options& o) { return nn::log_softmax(o.integer("dim")); }));
  add(r, "dropout", "zeroes each element with probability p while training, scales the rest by 1/(1-p)",
      {opt::number("p", 0.5, "probability of an element to be zeroed").min(0).below(1)},
      [](const Options& o, LayerContext& cx) {
        // Each Dropout draws its masks from its own stream, derived from the run's seed.
        cx.seq.push_back(nn::dropout(o.number("p"), data::disk_split_seed(cx.seed, 16 + cx.dropout_count++)));
      });
  add(r, "sequential", "a nested Sequential (report 001)",
      {opt::tables("layers", "its layers, as model.layers").needed()},
      [](const Options&, LayerContext& cx) {
        auto inner = std::make_shared<nn::Sequential>();
        cx.add_layers(*inner, cx.spec.layers, cx.where + ".layers");
        cx.seq.push_back(inner);
      });
  add(r, "conv2d", "2-D convolution over (channels, height, width) examples",
      {opt::integer("out_channels", std::nullopt, "output channels").needed().above(0),
       opt::integer("kernel_size", std::nullopt, "square kernel side").needed().above(0),
       opt::integer("stride", 1, "step of the kernel").above(0), opt::integer("padding", 0, "zeros on each side").min(0),
       opt::boolean("bias", true, "learn an additive bias")},
      build_conv2d);
  std::vector<Option> pooling = {opt::integer("kernel_size", std::nullopt, "square window side").needed().above(0),
                                 opt::integer("stride", std::nullopt, "step of the window").above(0).shown_as("kernel_size")};
  add(r, "max_pool2d", "the maximum of each window", pooling, pool(true));
  add(r, "avg_pool2d", "the mean of each window", pooling, pool(false));
  std::vector<Option> norm = {opt::number("momentum", 0.1, "weight of a batch in the running statistics").min(0),
                              opt::number("eps", 1e-5, "added to the variance").above(0)};
  add(r, "batch_norm1d", "batch normalisation of (features) or (features, length) examples", norm, batch_norm(false));
  add(r, "batch_norm2d", "batch normalisation of (channels, height, width) examples", norm, batch_norm(true));
  add(r, "embedding", "(T) codes to (T, embedding_dim) rows of a learnt table",
      {opt::integer("embedding_dim", std::nullopt, "features per code").needed().above(0),
       opt::integer("num_embeddings", std::nullopt, "rows of the table").above(0).shown_as("the number of classes"),
       opt::integer("padding_idx", std::nullopt, "a code whose row stays zero").shown_as("none")},
      add_embedding);
  add(r, "rnn", "Elman RNN on (T, features) examples, batch_first, PyTorch's parameter names", recurrent_options(true),
      [](const Options& o, LayerContext& cx) { add_recurrent("rnn", o, cx); });
  add(r, "lstm", "LSTM on (T, features) examples, batch_first, PyTorch's parameter names", recurrent_options(false),
      [](const Options& o, LayerContext& cx) { add_recurrent("lstm", o, cx); });
  add(r, "gru", "GRU on (T, features) examples, batch_first, PyTorch's parameter names", recurrent_options(false),
      [](const Options& o, LayerContext& cx) { add_recurrent("gru", o, cx); });
  return r;
}

}  // namespace

const std::vector<LayerRow>& layer_rows() {
  static const std::vector<LayerRow> rows = make_rows();
  return rows;
}

}  // namespace minidl::cli

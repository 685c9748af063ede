// Sequence layers of model.layers and the state-carrying forward of the language model.
#include "sequence_layers.h"

#include "minidl/ops/index.h"

namespace minidl::cli {

Tensor LastStep::forward(const Tensor& x) {
  if (x.dim() != 3) throw ShapeError("LastStep: expects (N, T, features), got " + to_string(x.shape()));
  return narrow(x, 1, x.size(1) - 1, 1).reshape({x.size(0), x.size(2)});
}

void add_sequence_layer(nn::Sequential& seq, const std::string& type, const toml::table& layer, Shape& shape,
                        const std::string& where, Generator& gen, uint64_t seed, int64_t num_classes,
                        const std::function<void(const std::string&, const std::string&)>& fail) {
  if (type == "embedding") {
    if (shape.dim() != 1) {
      fail(where, "an embedding layer needs examples of (T) character codes, but they are " + to_string(shape));
    }
    int64_t dim = layer["embedding_dim"].value_or(int64_t{0});
    if (dim <= 0) fail(where + ".embedding_dim", "must be > 0, got " + std::to_string(dim));
    nn::EmbeddingOptions o;
    if (auto p = layer["padding_idx"].value<int64_t>()) o.padding_idx = *p;
    o.generator = &gen;
    // By default one row per class of the data: the vocabulary of a character corpus.
    int64_t vocab = layer["num_embeddings"].value_or(num_classes);
    if (vocab <= 0) fail(where + ".num_embeddings", "must be > 0, got " + std::to_string(vocab));
    seq.push_back(nn::embedding(vocab, dim, o));
    shape = Shape{shape[0], dim};
    return;
  }
  if (shape.dim() != 2) {
    fail(where, "a " + type + " layer needs examples of (T, features) (set data.rows_as_steps = true for images, or put an "
                "embedding layer before it), but they are " + to_string(shape));
  }
  nn::RNNOptions o;
  o.num_layers = layer["num_layers"].value_or(int64_t{1});
  o.bias = layer["bias"].value_or(true);
  o.bidirectional = layer["bidirectional"].value_or(false);
  o.dropout = layer["dropout"].value_or(0.0);
  o.batch_first = true;
  o.generator = &gen;
  o.seed = seed;
  int64_t hidden = layer["hidden_size"].value_or(int64_t{0});
  std::string output = layer["output"].value_or(std::string("all"));
  std::string nonlinearity = layer["nonlinearity"].value_or(std::string("tanh"));
  if (hidden <= 0) fail(where + ".hidden_size", "must be > 0, got " + std::to_string(hidden));
  if (o.num_layers <= 0) fail(where + ".num_layers", "must be >= 1, got " + std::to_string(o.num_layers));
  if (!(o.dropout >= 0 && o.dropout < 1)) fail(where + ".dropout", "must be in [0, 1), got " + std::to_string(o.dropout));
  if (o.dropout > 0 && o.num_layers == 1) fail(where + ".dropout", "applies between layers: it needs num_layers > 1");
  if (output != "all" && output != "last") fail(where + ".output", "must be \"all\" or \"last\", got \"" + output + "\"");
  if (nonlinearity != "tanh" && nonlinearity != "relu") {
    fail(where + ".nonlinearity", "must be \"tanh\" or \"relu\", got \"" + nonlinearity + "\"");
  }
  o.nonlinearity = nonlinearity == "relu" ? RnnNonlinearity::relu : RnnNonlinearity::tanh;
  int64_t features = shape[1];
  if (type == "rnn") seq.push_back(std::make_shared<nn::RNN>(features, hidden, o));
  else if (type == "lstm") seq.push_back(std::make_shared<nn::LSTM>(features, hidden, o));
  else seq.push_back(std::make_shared<nn::GRU>(features, hidden, o));
  int64_t out = hidden * (o.bidirectional ? 2 : 1);
  if (output == "last") {
    seq.push_back(std::make_shared<LastStep>());
    shape = Shape{out};
  } else {
    shape = Shape{shape[0], out};
  }
}

Tensor forward_carrying_state(nn::Sequential& model, const Tensor& x, std::vector<nn::RecurrentState>& states) {
  const auto& children = model.named_children();
  states.resize(children.size());
  Tensor y = x;
  for (size_t k = 0; k < children.size(); ++k) {
    if (auto rnn = std::dynamic_pointer_cast<nn::RNNBase>(children[k].second)) {
      nn::RecurrentOutput out = rnn->forward_with_state(y, states[k]);
      states[k] = {out.state.h.detach(), out.state.c.defined() ? out.state.c.detach() : Tensor()};
      y = out.output;
    } else {
      y = (*children[k].second)(y);
    }
  }
  return y;
}

}  // namespace minidl::cli

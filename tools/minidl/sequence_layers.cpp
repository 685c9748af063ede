// Sequence layers of model.layers and the state-carrying forward of the language model.
#include "sequence_layers.h"

#include "minidl/ops/index.h"

namespace minidl::cli {

Tensor LastStep::forward(const Tensor& x) {
  if (x.dim() != 3) throw ShapeError("LastStep: expects (N, T, features), got " + to_string(x.shape()));
  return narrow(x, 1, x.size(1) - 1, 1).reshape({x.size(0), x.size(2)});
}

void add_embedding(const Options& o, LayerContext& cx) {
  if (cx.shape.dim() != 1) {
    cx.fail(cx.where, "an embedding layer needs examples of (T) character codes, but they are " + to_string(cx.shape));
  }
  int64_t dim = o.integer("embedding_dim");
  nn::EmbeddingOptions e;
  if (o.has("padding_idx")) e.padding_idx = o.integer("padding_idx");
  e.generator = &cx.gen;
  // By default one row per class of the data: the vocabulary of a character corpus.
  int64_t vocab = o.has("num_embeddings") ? o.integer("num_embeddings") : cx.num_classes;
  if (vocab <= 0) cx.fail(cx.where + ".num_embeddings", "must be > 0, got " + std::to_string(vocab));
  cx.seq.push_back(nn::embedding(vocab, dim, e));
  cx.shape = Shape{cx.shape[0], dim};
  cx.sequence = true;
}

void add_recurrent(const std::string& type, const Options& o, LayerContext& cx) {
  Shape& shape = cx.shape;
  if (shape.dim() != 2) {
    cx.fail(cx.where, "a " + type + " layer needs examples of (T, features) (set data.rows_as_steps = true for images, or put "
                      "an embedding layer before it), but they are " + to_string(shape));
  }
  nn::RNNOptions r;
  r.num_layers = o.integer("num_layers");
  r.bias = o.boolean("bias");
  r.bidirectional = o.boolean("bidirectional");
  r.dropout = o.number("dropout");
  r.batch_first = true;
  r.generator = &cx.gen;
  r.seed = cx.seed;
  int64_t hidden = o.integer("hidden_size");
  if (r.dropout > 0 && r.num_layers == 1) cx.fail(cx.where + ".dropout", "applies between layers: it needs num_layers > 1");
  r.nonlinearity = type == "rnn" && o.string("nonlinearity") == "relu" ? RnnNonlinearity::relu : RnnNonlinearity::tanh;
  int64_t features = shape[1];
  if (type == "rnn") cx.seq.push_back(std::make_shared<nn::RNN>(features, hidden, r));
  else if (type == "lstm") cx.seq.push_back(std::make_shared<nn::LSTM>(features, hidden, r));
  else cx.seq.push_back(std::make_shared<nn::GRU>(features, hidden, r));
  int64_t out = hidden * (r.bidirectional ? 2 : 1);
  if (o.string("output") == "last") {
    cx.seq.push_back(std::make_shared<LastStep>());
    shape = Shape{out};
  } else {
    shape = Shape{shape[0], out};
  }
  cx.sequence = shape.dim() == 2;
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

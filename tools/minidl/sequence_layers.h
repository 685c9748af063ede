// The command's sequence layers: embedding, rnn, lstm, gru (model.layers rows), and how a
// language model runs through a Sequential with each recurrent layer's state carried over.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "minidl/minidl.h"
#include "registry/registry.h"

namespace minidl::cli {

// Builders of the embedding and recurrent layer rows (registry/layers.cpp). An embedding maps (T)
// codes to (T, embedding_dim), with num_embeddings rows, by default the number of classes (the
// vocabulary). A recurrent layer (rnn, lstm, gru) runs batch_first on (T, features) examples; with
// output = "last" it is followed by a LastStep module.
void add_embedding(const Options& o, LayerContext& cx);
void add_recurrent(const std::string& type, const Options& o, LayerContext& cx);

// Runs `model` on x with each recurrent child's state taken from `states` (undefined: zeros) and
// replaced by its final state, detached: truncated backpropagation through time.
Tensor forward_carrying_state(nn::Sequential& model, const Tensor& x, std::vector<nn::RecurrentState>& states);

// (N, T, F) -> (N, F): the last step of a batch_first sequence (PyTorch's output[:, -1]).
class LastStep : public nn::Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "LastStep"; }
};

}  // namespace minidl::cli

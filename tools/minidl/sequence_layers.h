// The command's sequence layers: embedding, rnn, lstm, gru (model.layers rows), and how a
// language model runs through a Sequential with each recurrent layer's state carried over.
#pragma once

#include <functional>
#include <string>
#include <toml++/toml.h>
#include <vector>

#include "minidl/minidl.h"

namespace minidl::cli {

// Appends the layer of `type` (embedding, rnn, lstm, gru) to `seq` for examples of `shape`
// ((T) codes for embedding; (T, features) for the recurrent layers, which run batch_first) and
// updates `shape`. An embedding has num_embeddings rows, by default `num_classes` (the vocabulary).
// A recurrent layer with output = "last" is followed by a LastStep module.
// `fail(at, what)` throws the config error.
void add_sequence_layer(nn::Sequential& seq, const std::string& type, const toml::table& layer, Shape& shape,
                        const std::string& where, Generator& gen, uint64_t seed, int64_t num_classes,
                        const std::function<void(const std::string&, const std::string&)>& fail);

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

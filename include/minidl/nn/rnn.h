// Recurrent modules with PyTorch's semantics and parameter names: RNN (tanh, relu), LSTM, GRU over
// whole sequences, and the one-step cells RNNCell, LSTMCell, GRUCell. A PyTorch state_dict of any
// of them loads as it is (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, ..._reverse).
//
// They return more than one tensor, so each has forward_with_state(x, state) -> {output, state};
// forward(x) returns the output alone, which keeps them usable inside a Sequential.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "minidl/nn/module.h"
#include "minidl/ops/rnn.h"
#include "minidl/random.h"

namespace minidl::nn {

// A recurrent state. Modules: h (num_layers * num_directions, N, hidden_size), and c of the same
// shape for LSTM; cells: (N, hidden_size). Undefined tensors mean zeros (PyTorch's hx=None).
struct RecurrentState {
  Tensor h;
  Tensor c;  // LSTM and LSTMCell only
};

struct RecurrentOutput {
  Tensor output;  // (T, N, D * hidden_size), or (N, T, D * hidden_size) with batch_first
  RecurrentState state;
};

struct RNNOptions {
  int64_t num_layers = 1;
  bool bias = true;
  bool batch_first = false;
  double dropout = 0.0;  // on the outputs of every layer but the last, in training mode
  bool bidirectional = false;
  RnnNonlinearity nonlinearity = RnnNonlinearity::tanh;  // RNN and RNNCell only
  // Parameters are drawn U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) as PyTorch, from
  // *generator when set, else from Generator(seed); dropout masks come from Generator(seed).
  Generator* generator = nullptr;
  uint64_t seed = 0;
  Dtype dtype = kFloat32;
};

// The shared body of RNN, LSTM and GRU.
// x: (T, N, input_size), (N, T, input_size) with batch_first, or unbatched (T, input_size)
// -> output (T, N, D * hidden_size) (same layout as x), state as RecurrentState, D = 2 if bidirectional.
class RNNBase : public Module {
 public:
  enum class Mode { rnn, lstm, gru };

  RecurrentOutput forward_with_state(const Tensor& x, const RecurrentState& state = {});
  Tensor forward(const Tensor& x) override { return forward_with_state(x).output; }
  // PyTorch's: "10, 20, num_layers=2, batch_first=true, dropout=0.5, bidirectional=true"
  std::string extra_repr() const override;

  int64_t input_size() const { return input_size_; }
  int64_t hidden_size() const { return hidden_size_; }
  int64_t num_layers() const { return options_.num_layers; }
  int64_t num_directions() const { return options_.bidirectional ? 2 : 1; }
  bool batch_first() const { return options_.batch_first; }
  // The dropout mask generator (its state goes into training checkpoints).
  Generator& generator() const { return *dropout_gen_; }

 protected:
  RNNBase(Mode mode, const char* type, int64_t input_size, int64_t hidden_size, const RNNOptions& options);

 private:
  struct Weights {
    Tensor w_ih, w_hh, b_ih, b_hh;
  };
  Mode mode_;
  int64_t input_size_, hidden_size_;
  RNNOptions options_;
  std::vector<Weights> weights_;  // layer-major: [l0, l0_reverse, l1, ...]
  std::shared_ptr<Generator> dropout_gen_;
};

// h_t = tanh (or relu) of x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh.
class RNN : public RNNBase {
 public:
  RNN(int64_t input_size, int64_t hidden_size, const RNNOptions& options = {});
  std::string type_name() const override { return "RNN"; }
};

// Gates i|f|g|o in the rows of weight_ih_l0 (4 hidden_size, input_size), as PyTorch.
class LSTM : public RNNBase {
 public:
  LSTM(int64_t input_size, int64_t hidden_size, const RNNOptions& options = {});
  std::string type_name() const override { return "LSTM"; }
};

// Gates r|z|n in the rows of weight_ih_l0 (3 hidden_size, input_size), as PyTorch.
class GRU : public RNNBase {
 public:
  GRU(int64_t input_size, int64_t hidden_size, const RNNOptions& options = {});
  std::string type_name() const override { return "GRU"; }
};

// One step. x: (N, input_size) or (input_size); state (N, hidden_size) -> the next state.
// forward(x) returns the next h from a zero state. Parameters: weight_ih, weight_hh, bias_ih, bias_hh.
class RNNCellBase : public Module {
 public:
  RecurrentState forward_with_state(const Tensor& x, const RecurrentState& state = {});
  Tensor forward(const Tensor& x) override { return forward_with_state(x).h; }
  std::string extra_repr() const override;  // "10, 20, bias=false, nonlinearity=relu"

  int64_t input_size() const { return input_size_; }
  int64_t hidden_size() const { return hidden_size_; }

 protected:
  RNNCellBase(RNNBase::Mode mode, const char* type, int64_t input_size, int64_t hidden_size, const RNNOptions& options);

 private:
  RNNBase::Mode mode_;
  int64_t input_size_, hidden_size_;
  RnnNonlinearity nonlinearity_;
  Tensor w_ih_, w_hh_, b_ih_, b_hh_;
};

class RNNCell : public RNNCellBase {
 public:
  RNNCell(int64_t input_size, int64_t hidden_size, const RNNOptions& options = {});
  std::string type_name() const override { return "RNNCell"; }
};

class LSTMCell : public RNNCellBase {
 public:
  LSTMCell(int64_t input_size, int64_t hidden_size, const RNNOptions& options = {});
  std::string type_name() const override { return "LSTMCell"; }
};

class GRUCell : public RNNCellBase {
 public:
  GRUCell(int64_t input_size, int64_t hidden_size, const RNNOptions& options = {});
  std::string type_name() const override { return "GRUCell"; }
};

}  // namespace minidl::nn

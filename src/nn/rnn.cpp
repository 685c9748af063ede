// RNN, LSTM, GRU and their cells: validate, register PyTorch's parameters, then per layer and
// direction one GEMM for the input projections of all steps (linear) and one recurrent op.
#include "minidl/nn/rnn.h"

#include <cmath>

#include "minidl/nn/dropout.h"
#include "minidl/nn/init.h"
#include "minidl/ops/index.h"
#include "minidl/ops/matmul.h"
#include "minidl/ops/view.h"

namespace minidl::nn {

namespace {

int64_t gates_of(RNNBase::Mode mode) { return mode == RNNBase::Mode::lstm ? 4 : mode == RNNBase::Mode::gru ? 3 : 1; }

void check_options(const char* type, RNNBase::Mode mode, int64_t input_size, int64_t hidden_size,
                   const RNNOptions& o, bool cell) {
  std::string t(type);
  if (input_size <= 0 || hidden_size <= 0) {
    throw ValueError(t + ": input_size and hidden_size must be > 0, got input_size=" + std::to_string(input_size) +
                     ", hidden_size=" + std::to_string(hidden_size));
  }
  if (!cell && o.num_layers <= 0) throw ValueError(t + ": num_layers must be >= 1, got " + std::to_string(o.num_layers));
  if (!(o.dropout >= 0 && o.dropout <= 1)) throw ValueError(t + ": dropout must be in [0, 1], got " + detail::format_double(o.dropout));
  if (mode != RNNBase::Mode::rnn && o.nonlinearity != RnnNonlinearity::tanh) {
    throw ValueError(t + ": nonlinearity applies to RNN and RNNCell only");
  }
  if (!is_floating(o.dtype)) throw DtypeError(t + ": dtype must be float32 or float64, got " + to_string(o.dtype));
}

// One layer in one direction: the input projections of all T steps in one GEMM, then the recurrence.
RecurrentResult run_layer(RNNBase::Mode mode, RnnNonlinearity nonlinearity, const Tensor& x, const Tensor& w_ih,
                          const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh, const Tensor& h0, const Tensor& c0,
                          bool reverse) {
  Tensor xp = minidl::linear(x, w_ih, b_ih);  // (T, N, G H)
  switch (mode) {
    case RNNBase::Mode::lstm: return lstm_layer(xp, w_hh, b_hh, h0, c0, reverse);
    case RNNBase::Mode::gru: return gru_layer(xp, w_hh, b_hh, h0, reverse);
    case RNNBase::Mode::rnn: break;
  }
  return rnn_layer(xp, w_hh, b_hh, h0, reverse, nonlinearity);
}

}  // namespace

RNNBase::RNNBase(Mode mode, const char* type, int64_t input_size, int64_t hidden_size, const RNNOptions& options)
    : mode_(mode), input_size_(input_size), hidden_size_(hidden_size), options_(options) {
  check_options(type, mode, input_size, hidden_size, options, false);
  if (options.dropout > 0 && options.num_layers == 1) {
    // PyTorch warns here; the dropout would never apply, which is what the user should know.
    throw ValueError(std::string(type) + ": dropout=" + detail::format_double(options.dropout) +
                     " applies between layers, so it needs num_layers > 1 (got 1)");
  }
  options_.generator = nullptr;
  Generator own(options.seed);
  Generator& gen = options.generator ? *options.generator : own;
  const int64_t g = gates_of(mode) * hidden_size, d = num_directions();
  const double k = 1.0 / std::sqrt(static_cast<double>(hidden_size));
  auto draw = [&](const Shape& shape) { return init::uniform_(Tensor::empty(shape, options.dtype), -k, k, gen); };
  for (int64_t l = 0; l < options.num_layers; ++l) {
    for (int64_t dir = 0; dir < d; ++dir) {
      std::string suffix = "_l" + std::to_string(l) + (dir == 1 ? "_reverse" : "");
      int64_t in = l == 0 ? input_size : hidden_size * d;
      Weights w;
      w.w_ih = register_parameter("weight_ih" + suffix, draw({g, in}));
      w.w_hh = register_parameter("weight_hh" + suffix, draw({g, hidden_size}));
      if (options.bias) {
        w.b_ih = register_parameter("bias_ih" + suffix, draw({g}));
        w.b_hh = register_parameter("bias_hh" + suffix, draw({g}));
      }
      weights_.push_back(w);
    }
  }
  dropout_gen_ = std::make_shared<Generator>(options.seed);
}

RecurrentOutput RNNBase::forward_with_state(const Tensor& x, const RecurrentState& state) {
  const std::string type = type_name();
  if (!x.defined() || (x.dim() != 2 && x.dim() != 3) || x.size(-1) != input_size_) {
    throw ShapeError(type + ": input must be (T, N, " + std::to_string(input_size_) + ")" +
                     (batch_first() ? " with batch_first (N, T, " + std::to_string(input_size_) + ")" : "") +
                     " or unbatched (T, " + std::to_string(input_size_) + "), got " +
                     (x.defined() ? to_string(x.shape()) : std::string("undefined")));
  }
  const bool batched = x.dim() == 3;
  Tensor seq = !batched ? unsqueeze(x, 1) : batch_first() ? transpose(x, 0, 1) : x;  // (T, N, input_size)
  const int64_t n = seq.size(1), d = num_directions(), layers = num_layers(), h = hidden_size_;
  const bool lstm = mode_ == Mode::lstm;
  auto check_state = [&](const Tensor& s, const char* name) -> Tensor {
    if (!s.defined()) return s;
    Shape want = batched ? Shape{layers * d, n, h} : Shape{layers * d, h};
    if (s.shape() != want) {
      throw ShapeError(type + ": " + name + " must be (num_layers * num_directions, N, hidden_size) = " +
                       to_string(want) + ", got " + to_string(s.shape()) + " (input " + to_string(x.shape()) + ")");
    }
    if (s.dtype() != x.dtype()) throw DtypeError(type + ": " + name + " is " + to_string(s.dtype()) + ", input is " + to_string(x.dtype()));
    return batched ? s : unsqueeze(s, 1);
  };
  if (!lstm && state.c.defined()) throw ValueError(type + ": only LSTM has a cell state c");
  if (lstm && state.h.defined() != state.c.defined()) throw ValueError(type + ": give both h and c of the initial state, or neither");
  Tensor h0 = check_state(state.h, "h0"), c0 = check_state(state.c, "c0");

  std::vector<Tensor> hs, cs;
  Tensor input = seq;
  for (int64_t l = 0; l < layers; ++l) {
    if (l > 0 && is_training() && options_.dropout > 0) input = dropout(input, options_.dropout, *dropout_gen_);
    std::vector<Tensor> outs;
    for (int64_t dir = 0; dir < d; ++dir) {
      const Weights& w = weights_[l * d + dir];
      int64_t k = l * d + dir;
      Tensor hk = h0.defined() ? narrow(h0, 0, k, 1).reshape({n, h}) : Tensor();
      Tensor ck = c0.defined() ? narrow(c0, 0, k, 1).reshape({n, h}) : Tensor();
      RecurrentResult r = run_layer(mode_, options_.nonlinearity, input, w.w_ih, w.w_hh, w.b_ih, w.b_hh, hk, ck, dir == 1);
      outs.push_back(r.output);
      hs.push_back(unsqueeze(r.h_n, 0));
      if (lstm) cs.push_back(unsqueeze(r.c_n, 0));
    }
    input = d == 1 ? outs[0] : concat(outs, 2);
  }
  RecurrentOutput out;
  out.output = !batched ? squeeze(input, 1) : batch_first() ? transpose(input, 0, 1) : input;
  out.state.h = hs.size() == 1 ? hs[0] : concat(hs, 0);
  if (lstm) out.state.c = cs.size() == 1 ? cs[0] : concat(cs, 0);
  if (!batched) {
    out.state.h = squeeze(out.state.h, 1);
    if (lstm) out.state.c = squeeze(out.state.c, 1);
  }
  return out;
}

std::string RNNBase::extra_repr() const {  // PyTorch's order of settings
  std::string s = std::to_string(input_size_) + ", " + std::to_string(hidden_size_);
  if (options_.num_layers != 1) s += ", num_layers=" + std::to_string(options_.num_layers);
  if (!options_.bias) s += ", bias=false";
  if (options_.nonlinearity == RnnNonlinearity::relu) s += ", nonlinearity=relu";
  if (options_.batch_first) s += ", batch_first=true";
  if (options_.dropout != 0) s += ", dropout=" + detail::format_double(options_.dropout);
  if (options_.bidirectional) s += ", bidirectional=true";
  return s;
}

RNN::RNN(int64_t input_size, int64_t hidden_size, const RNNOptions& options)
    : RNNBase(Mode::rnn, "RNN", input_size, hidden_size, options) {}
LSTM::LSTM(int64_t input_size, int64_t hidden_size, const RNNOptions& options)
    : RNNBase(Mode::lstm, "LSTM", input_size, hidden_size, options) {}
GRU::GRU(int64_t input_size, int64_t hidden_size, const RNNOptions& options)
    : RNNBase(Mode::gru, "GRU", input_size, hidden_size, options) {}

RNNCellBase::RNNCellBase(RNNBase::Mode mode, const char* type, int64_t input_size, int64_t hidden_size,
                         const RNNOptions& options)
    : mode_(mode), input_size_(input_size), hidden_size_(hidden_size), nonlinearity_(options.nonlinearity) {
  check_options(type, mode, input_size, hidden_size, options, true);
  Generator own(options.seed);
  Generator& gen = options.generator ? *options.generator : own;
  const int64_t g = gates_of(mode) * hidden_size;
  const double k = 1.0 / std::sqrt(static_cast<double>(hidden_size));
  auto draw = [&](const Shape& shape) { return init::uniform_(Tensor::empty(shape, options.dtype), -k, k, gen); };
  w_ih_ = register_parameter("weight_ih", draw({g, input_size}));
  w_hh_ = register_parameter("weight_hh", draw({g, hidden_size}));
  if (options.bias) {
    b_ih_ = register_parameter("bias_ih", draw({g}));
    b_hh_ = register_parameter("bias_hh", draw({g}));
  }
}

RecurrentState RNNCellBase::forward_with_state(const Tensor& x, const RecurrentState& state) {
  const std::string type = type_name();
  if (!x.defined() || (x.dim() != 1 && x.dim() != 2) || x.size(-1) != input_size_) {
    throw ShapeError(type + ": input must be (N, " + std::to_string(input_size_) + ") or (" + std::to_string(input_size_) +
                     "), got " + (x.defined() ? to_string(x.shape()) : std::string("undefined")));
  }
  const bool batched = x.dim() == 2;
  const bool lstm = mode_ == RNNBase::Mode::lstm;
  const int64_t n = batched ? x.size(0) : 1;
  if (!lstm && state.c.defined()) throw ValueError(type + ": only LSTMCell has a cell state c");
  if (lstm && state.h.defined() != state.c.defined()) throw ValueError(type + ": give both h and c, or neither");
  auto check_state = [&](const Tensor& s, const char* name) -> Tensor {
    if (!s.defined()) return s;
    Shape want = batched ? Shape{n, hidden_size_} : Shape{hidden_size_};
    if (s.shape() != want) {
      throw ShapeError(type + ": " + name + " must be " + to_string(want) + ", got " + to_string(s.shape()) +
                       " (input " + to_string(x.shape()) + ")");
    }
    if (s.dtype() != x.dtype()) throw DtypeError(type + ": " + name + " is " + to_string(s.dtype()) + ", input is " + to_string(x.dtype()));
    return s.reshape({n, hidden_size_});
  };
  Tensor h0 = check_state(state.h, "h"), c0 = check_state(state.c, "c");
  Tensor seq = x.reshape({1, n, input_size_});  // one step
  RecurrentResult r = run_layer(mode_, nonlinearity_, seq, w_ih_, w_hh_, b_ih_, b_hh_, h0, c0, false);
  RecurrentState out{r.h_n, r.c_n};
  if (!batched) {
    out.h = out.h.reshape({hidden_size_});
    if (lstm) out.c = out.c.reshape({hidden_size_});
  }
  return out;
}

std::string RNNCellBase::extra_repr() const {
  std::string s = std::to_string(input_size_) + ", " + std::to_string(hidden_size_);
  if (!b_ih_.defined()) s += ", bias=false";
  if (nonlinearity_ == RnnNonlinearity::relu) s += ", nonlinearity=relu";
  return s;
}

RNNCell::RNNCell(int64_t input_size, int64_t hidden_size, const RNNOptions& options)
    : RNNCellBase(RNNBase::Mode::rnn, "RNNCell", input_size, hidden_size, options) {}
LSTMCell::LSTMCell(int64_t input_size, int64_t hidden_size, const RNNOptions& options)
    : RNNCellBase(RNNBase::Mode::lstm, "LSTMCell", input_size, hidden_size, options) {}
GRUCell::GRUCell(int64_t input_size, int64_t hidden_size, const RNNOptions& options)
    : RNNCellBase(RNNBase::Mode::gru, "GRUCell", input_size, hidden_size, options) {}

}  // namespace minidl::nn

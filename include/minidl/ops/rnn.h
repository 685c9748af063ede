// Recurrent layers over a whole sequence, for nn::RNN/LSTM/GRU and their cells. The caller gives
// the input projections of every step at once (x W_ih^T + b_ih: one GEMM over T * N rows); each op
// then runs the recurrence as ONE autograd node: per step one GEMM (h W_hh^T) and one fused pass
// over the gates, into buffers allocated once per call; backward is the whole BPTT.
// Gate order and formulas are PyTorch's (LSTM i|f|g|o, GRU r|z|n with
// n = tanh(W_in x + b_in + r * (W_hn h + b_hn))).
#pragma once

#include "minidl/tensor.h"

namespace minidl {

// output: (T, N, H), h_t of every step at its own position t (also for reverse);
// h_n: (N, H), the last state (step T-1, or step 0 when reverse); c_n: (N, H), LSTM only.
// All three are views of one node's output, so gradients reaching any of them flow back.
struct RecurrentResult {
  Tensor output;
  Tensor h_n;
  Tensor c_n;
};

enum class RnnNonlinearity { tanh, relu };

// Shapes: xp (T, N, G H) with G = 1 (RNN), 4 (LSTM), 3 (GRU); w_hh (G H, H); b_hh (G H) or
// undefined; h0, c0 (N, H). reverse runs the steps from T-1 down to 0 (the backward direction of
// a bidirectional layer).
RecurrentResult rnn_layer(const Tensor& xp, const Tensor& w_hh, const Tensor& b_hh, const Tensor& h0, bool reverse,
                          RnnNonlinearity nonlinearity = RnnNonlinearity::tanh);
RecurrentResult lstm_layer(const Tensor& xp, const Tensor& w_hh, const Tensor& b_hh, const Tensor& h0, const Tensor& c0,
                           bool reverse);
RecurrentResult gru_layer(const Tensor& xp, const Tensor& w_hh, const Tensor& b_hh, const Tensor& h0, bool reverse);

}  // namespace minidl

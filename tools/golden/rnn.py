"""PyTorch 1.13 reference values for minidl's recurrent modules, Embedding and sequence losses.

Each module case stores the state_dict, the input, the initial state (if any), upstream gradients
for the output and the final state, and what PyTorch computes: output, final state, the input's,
the initial state's and every parameter's gradient. Files: rnn.json, plus rnn_lm.safetensors (an
LSTM language model's state_dict) whose loss on the stored batch is in rnn.json.
"""
import json
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

from golden.common import write


def recurrent_case(module, x, seed, state=None, cell=False):
    """Runs module(x, state); backward of sum(out * dy) + sum(h_n * dh) (+ sum(c_n * dc))."""
    g = torch.Generator().manual_seed(seed)
    x = x.clone().requires_grad_()
    lstm = isinstance(module, (nn.LSTM, nn.LSTMCell))
    if state is not None:
        state = tuple(s.clone().requires_grad_() for s in state) if lstm else state.clone().requires_grad_()
    if cell:
        res = module(x, state)
        out = None
        h, c = res if lstm else (res, None)
    else:
        out, hc = module(x, state)
        h, c = hc if lstm else (hc, None)
    loss = 0
    case = {"x": x, "state": dict(module.state_dict())}
    if out is not None:
        dy = torch.randn(out.shape, generator=g, dtype=out.dtype)
        loss = loss + (out * dy).sum()
        case.update(y=out, dy=dy)
    dh = torch.randn(h.shape, generator=g, dtype=h.dtype)
    loss = loss + (h * dh).sum()
    case.update(h_n=h, dh_n=dh)
    if c is not None:
        dc = torch.randn(c.shape, generator=g, dtype=c.dtype)
        loss = loss + (c * dc).sum()
        case.update(c_n=c, dc_n=dc)
    loss.backward()
    case["dx"] = x.grad
    if state is not None:
        if lstm:
            case.update(h0=state[0], c0=state[1], dh0=state[0].grad, dc0=state[1].grad)
        else:
            case.update(h0=state, dh0=state.grad)
    case["grads"] = {k: p.grad for k, p in module.named_parameters()}
    return case


def recurrent():
    torch.manual_seed(0)
    out = {}
    T, N, I, H = 5, 3, 4, 6

    def seq(batch_first=False):
        return torch.randn(N, T, I) if batch_first else torch.randn(T, N, I)

    def h0(layers, dirs):
        return torch.randn(layers * dirs, N, H)

    out["rnn_tanh"] = recurrent_case(nn.RNN(I, H), seq(), 1)
    out["rnn_relu_2layer_bidir"] = recurrent_case(
        nn.RNN(I, H, num_layers=2, nonlinearity="relu", bidirectional=True), seq(), 2, h0(2, 2))
    out["rnn_no_bias_batch_first"] = recurrent_case(nn.RNN(I, H, bias=False, batch_first=True), seq(True), 3)
    out["lstm"] = recurrent_case(nn.LSTM(I, H), seq(), 4)
    out["lstm_state"] = recurrent_case(nn.LSTM(I, H), seq(), 5, (h0(1, 1), h0(1, 1)))
    out["lstm_2layer_bidir_batch_first"] = recurrent_case(
        nn.LSTM(I, H, num_layers=2, bidirectional=True, batch_first=True), seq(True), 6, (h0(2, 2), h0(2, 2)))
    out["lstm_no_bias_2layer"] = recurrent_case(nn.LSTM(I, H, num_layers=2, bias=False), seq(), 7)
    out["lstm_unbatched"] = recurrent_case(nn.LSTM(I, H), torch.randn(T, I), 8)
    out["gru"] = recurrent_case(nn.GRU(I, H), seq(), 9)
    out["gru_2layer_bidir_state"] = recurrent_case(nn.GRU(I, H, num_layers=2, bidirectional=True), seq(), 10, h0(2, 2))
    out["gru_no_bias_batch_first"] = recurrent_case(nn.GRU(I, H, bias=False, batch_first=True), seq(True), 11)
    out["lstm_f32"] = recurrent_case(nn.LSTM(I, H, num_layers=2).float(), seq().float(), 12)
    out["gru_f32"] = recurrent_case(nn.GRU(I, H, bidirectional=True).float(), seq().float(), 13)
    # Cells: one step from a given state.
    x = torch.randn(N, I)
    out["rnn_cell"] = recurrent_case(nn.RNNCell(I, H), x, 14, torch.randn(N, H), cell=True)
    out["rnn_cell_relu_no_bias"] = recurrent_case(nn.RNNCell(I, H, bias=False, nonlinearity="relu"), x, 15,
                                                  torch.randn(N, H), cell=True)
    out["lstm_cell"] = recurrent_case(nn.LSTMCell(I, H), x, 16, (torch.randn(N, H), torch.randn(N, H)), cell=True)
    out["gru_cell"] = recurrent_case(nn.GRUCell(I, H), x, 17, torch.randn(N, H), cell=True)
    return out


def embedding_case(module, idx, seed):
    g = torch.Generator().manual_seed(seed)
    y = module(idx)
    dy = torch.randn(y.shape, generator=g, dtype=y.dtype)
    y.backward(dy)
    return {"indices": idx, "state": dict(module.state_dict()), "y": y, "dy": dy, "grad": module.weight.grad}


def embeddings():
    torch.manual_seed(1)
    idx = torch.tensor([[0, 2, 4, 2], [9, 0, 0, 3]])
    return {
        "embedding": embedding_case(nn.Embedding(10, 3), idx, 1),
        "embedding_padding": embedding_case(nn.Embedding(10, 3, padding_idx=0), idx, 2),
        "embedding_padding_negative": embedding_case(nn.Embedding(10, 3, padding_idx=-8), idx, 3),
    }


def sequence_losses():
    torch.manual_seed(2)
    out = {}
    N, C, T = 3, 5, 4
    logits = torch.randn(N, C, T) * 2
    target = torch.randint(0, C, (N, T))
    for r, seed in (("none", 1), ("mean", 2), ("sum", 3)):
        g = torch.Generator().manual_seed(seed)
        x = logits.clone().requires_grad_()
        y = F.cross_entropy(x, target, reduction=r)
        dy = torch.randn(y.shape, generator=g)
        y.backward(dy)
        out[f"ce_seq_{r}"] = {"input": x, "target": target, "y": y, "dy": dy, "dinput": x.grad}
    x4 = torch.randn(2, C, 3, 2).requires_grad_()
    t4 = torch.randint(0, C, (2, 3, 2))
    y = F.cross_entropy(x4, t4, label_smoothing=0.1)
    y.backward()
    out["ce_4d_smooth_mean"] = {"input": x4, "target": t4, "y": y, "dy": torch.tensor(1.0), "dinput": x4.grad}
    return out


class CharLM(nn.Module):
    """Embedding -> 2-layer LSTM -> Linear, the shape of minidl's chars-lstm config."""

    def __init__(self, vocab, dim, hidden):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.lstm = nn.LSTM(dim, hidden, num_layers=2, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x):
        y, _ = self.lstm(self.embed(x))
        return self.head(y)


def write_safetensors(path, tensors):
    names = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().numpy().tobytes()
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def language_model(out_dir):
    torch.manual_seed(3)
    vocab, dim, hidden = 20, 8, 16
    model = CharLM(vocab, dim, hidden).float()
    x = torch.randint(0, vocab, (4, 12))
    target = torch.randint(0, vocab, (4, 12))
    with torch.no_grad():
        loss = F.cross_entropy(model(x).transpose(1, 2), target)
    write_safetensors(out_dir / "rnn_lm.safetensors", {k: v.float() for k, v in model.state_dict().items()})
    return {"x": x, "target": target, "loss": loss.item(), "vocab": vocab, "dim": dim, "hidden": hidden}


def generate(out_dir):
    out = {"recurrent": recurrent(), "embedding": embeddings(), "losses": sequence_losses(),
           "lm": language_model(out_dir)}
    write(out_dir / "rnn.json", out)

#!/usr/bin/python3
"""PyTorch side of minidl's sequence workloads, the same setting as the minidl configs:

  --task chars: configs/chars-lstm.toml. Debian's fortunes (the regular files of
    /usr/share/games/fortunes in name order, *.dat and symbolic links skipped, concatenated), the
    byte vocabulary of the whole text, split by position (train, then val_fraction validation,
    then test_fraction test); Embedding(V, embedding_dim) -> LSTM(hidden, num_layers,
    batch_first) -> Linear(hidden, V); truncated BPTT over batch_size contiguous streams, seq_len
    characters per step, the state carried across batches (detached), zero state each epoch; Adam,
    gradient norm clipped. Prints the validation/test loss (nats and bits per character, the
    evaluation as minidl's: the same streams and windows) and characters/s of the timed training.
  --task fashion: configs/fashion-lstm.toml's model (LSTM over the 28 rows of each standardised
    image, the last step into Linear(hidden, 10)), Adam, batch 128, reshuffled each epoch: samples/s
    of the training loop on the first --limit images (speed only).
Prints one JSON object."""
import argparse
import gzip
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_text(path):
    if os.path.isdir(path):
        names = sorted(n for n in os.listdir(path)
                       if not n.endswith(".dat") and not os.path.islink(os.path.join(path, n))
                       and os.path.isfile(os.path.join(path, n)))
        return b"".join(open(os.path.join(path, n), "rb").read() for n in names)
    return open(path, "rb").read()


def batchify(codes, n):
    columns = len(codes) // n
    return codes[: n * columns].reshape(n, columns)


class CharLM(nn.Module):
    def __init__(self, vocab, dim, hidden, layers):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.lstm = nn.LSTM(dim, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x, state):
        y, state = self.lstm(self.embed(x), state)
        return self.head(y), state


def detach(state):
    return None if state is None else tuple(s.detach() for s in state)


def mean_loss(model, codes, streams, seq_len):
    model.eval()
    streams = max(1, min(streams, len(codes) // (seq_len + 1)))
    text = batchify(codes, streams)
    total, count, state = 0.0, 0, None
    with torch.no_grad():
        for begin in range(0, text.shape[1] - 1, seq_len):
            t = min(seq_len, text.shape[1] - 1 - begin)
            x, y = text[:, begin:begin + t], text[:, begin + 1:begin + 1 + t]
            logits, state = model(x, state)
            total += F.cross_entropy(logits.reshape(-1, logits.shape[2]), y.reshape(-1), reduction="sum").item()
            count += x.numel()
    model.train()
    return total / count


def chars(args):
    raw = read_text(args.path)
    vocab = sorted(set(raw))
    code = {b: i for i, b in enumerate(vocab)}
    codes = torch.tensor([code[b] for b in raw], dtype=torch.int64)
    n = len(codes)
    n_val, n_test = int(n * args.val_fraction), int(n * args.test_fraction)
    n_train = n - n_val - n_test
    train, val, test = codes[:n_train], codes[n_train:n_train + n_val], codes[n_train + n_val:]
    model = CharLM(len(vocab), args.embedding_dim, args.hidden, args.layers)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    text = batchify(train, args.batch)
    seconds, trained = 0.0, 0
    for _ in range(args.epochs):
        state = None
        start = time.perf_counter()
        for begin in range(0, text.shape[1] - 1, args.seq_len):
            t = min(args.seq_len, text.shape[1] - 1 - begin)
            x, y = text[:, begin:begin + t], text[:, begin + 1:begin + 1 + t]
            logits, state = model(x, detach(state))
            loss = F.cross_entropy(logits.reshape(-1, len(vocab)), y.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            if args.clip > 0:
                nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            optimizer.step()
            trained += x.numel()
        seconds += time.perf_counter() - start
    val_loss, test_loss = mean_loss(model, val, args.batch, args.seq_len), mean_loss(model, test, args.batch, args.seq_len)
    return {"val_loss": val_loss, "val_bpc": val_loss / math.log(2), "test_loss": test_loss,
            "test_bpc": test_loss / math.log(2), "train_seconds": seconds, "chars_per_second": trained / seconds,
            "sequences_per_second": trained / args.seq_len / seconds, "vocabulary_size": len(vocab)}


def fashion(args):
    d = "/usr/share/datasets/fashion-mnist"
    with gzip.open(f"{d}/train-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)[:args.limit]
    with gzip.open(f"{d}/train-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)[:args.limit]
    x = (torch.from_numpy(images.astype(np.float32)) / 255.0 - 0.28604059698879553) / 0.35302424451492237
    y = torch.from_numpy(labels.astype(np.int64))
    lstm, head = nn.LSTM(28, args.hidden, batch_first=True), nn.Linear(args.hidden, 10)
    optimizer = torch.optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=args.lr)
    start = time.perf_counter()
    for _ in range(args.epochs):
        order = torch.randperm(len(x))
        for b in range(0, len(x), args.batch):
            idx = order[b:b + args.batch]
            out, _ = lstm(x[idx])
            loss = F.cross_entropy(head(out[:, -1]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    seconds = time.perf_counter() - start
    return {"samples_per_second": args.epochs * len(x) / seconds, "train_seconds": seconds}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--task", choices=["chars", "fashion"], default="chars")
    p.add_argument("--path", default="/usr/share/games/fortunes")
    p.add_argument("--val-fraction", type=float, default=0.05)
    p.add_argument("--test-fraction", type=float, default=0.05)
    p.add_argument("--embedding-dim", type=int, default=64)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--seq-len", type=int, default=64)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=0.002)
    p.add_argument("--clip", type=float, default=1.0)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--limit", type=int, default=10000)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    print(json.dumps(chars(args) if args.task == "chars" else fashion(args)))


if __name__ == "__main__":
    main()

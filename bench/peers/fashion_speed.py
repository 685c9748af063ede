#!/usr/bin/python3
"""PyTorch side of the image speed benchmark (bench/compare.sh): the 784-256-128-10 ReLU MLP at
batch 128, the LeNet (Conv 1->8 5x5, max pool 2, Conv 8->16 5x5, max pool 2, 256-120-84-10) at
batch 64, or the CNN (two 3x3 blocks of 32 and 64 channels with ReLU and 2x2 max pool,
3136-128-10) at batch 128, cross-entropy, Adam (lr 1e-3), on the first --limit training images of Debian's
Fashion-MNIST, standardised, reshuffled each epoch. Only the training loop is timed (shuffle,
forward, loss, backward, step), as minidl's samples_per_second; peak RSS is the whole process's,
import included. Prints one JSON object."""
import argparse
import gzip
import json
import resource
import time

import numpy as np
import torch

DIR = "/usr/share/datasets/fashion-mnist"


def load(limit):
    with gzip.open(f"{DIR}/train-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)[:limit]
    with gzip.open(f"{DIR}/train-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)[:limit]
    x = (torch.from_numpy(images.astype(np.float32)) / 255.0 - 0.28604059698879553) / 0.35302424451492237
    return x, torch.from_numpy(labels.astype(np.int64))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["mlp", "lenet", "cnn"], default="mlp")
    parser.add_argument("--limit", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x, y = load(args.limit)
    nn = torch.nn
    if args.model == "mlp":
        batch = 128
        x = x.reshape(len(x), 784)
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    elif args.model == "cnn":
        batch = 128
        model = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                              nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
    else:
        batch = 64
        model = nn.Sequential(nn.Conv2d(1, 8, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 5), nn.ReLU(),
                              nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84),
                              nn.ReLU(), nn.Linear(84, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    n = len(x)
    start = time.perf_counter()
    for _ in range(args.epochs):
        order = torch.randperm(n)
        for b in range(0, n, batch):
            idx = order[b:b + batch]
            optimizer.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
    seconds = time.perf_counter() - start
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"samples_per_second": args.epochs * n / seconds, "train_seconds": seconds,
                      "peak_rss_mb": peak_rss_mb}))


if __name__ == "__main__":
    main()

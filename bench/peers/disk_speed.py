#!/usr/bin/python3
"""PyTorch side of the disk speed benchmark (bench/compare.sh).

The same work as `minidl train configs/bench-disk.toml`: the 2-25-25-25-2 ReLU network with
PyTorch's default init, MSE on one-hot targets, 1000 training points reshuffled every epoch,
mini-batches of --batch, SGD with momentum or Adam. Only the training loop is timed (shuffle,
forward, loss, backward, step), as minidl's epochs_per_second. Prints one JSON object.
"""
import argparse
import json
import math
import time

import torch


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--loader", choices=["dataloader", "index"], default="dataloader",
                        help="dataloader: torch.utils.data.DataLoader(shuffle=True), as a PyTorch user "
                             "writes it; index: slices of one randperm per epoch, PyTorch's fastest loop")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x = torch.rand(1000, 2)
    labels = ((x - 0.5).pow(2).sum(1) < 1 / (2 * math.pi)).long()
    targets = torch.nn.functional.one_hot(labels, 2).float()
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 25), torch.nn.ReLU(), torch.nn.Linear(25, 25), torch.nn.ReLU(),
        torch.nn.Linear(25, 25), torch.nn.ReLU(), torch.nn.Linear(25, 2))
    if args.optimizer == "sgd":
        optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = torch.nn.MSELoss()

    def batches_index():
        order = torch.randperm(1000)
        for b in range(0, 1000, args.batch):
            idx = order[b:b + args.batch]
            yield x[idx], targets[idx]

    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, targets), batch_size=args.batch,
                                         shuffle=True)
    batches = (lambda: iter(loader)) if args.loader == "dataloader" else batches_index

    start = time.perf_counter()
    for _ in range(args.epochs):
        for xb, yb in batches():
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
    seconds = time.perf_counter() - start

    with torch.no_grad():
        accuracy = (model(x).argmax(1) == labels).float().mean().item()
    print(json.dumps({"epochs_per_second": args.epochs / seconds, "train_seconds": seconds,
                      "train_accuracy": accuracy}))


if __name__ == "__main__":
    main()

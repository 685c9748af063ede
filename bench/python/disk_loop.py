#!/usr/bin/python3
"""The disk training loop written in Python, on minidl or on PyTorch (the same code, two imports).

The work of bench/peers/disk_speed.py and `minidl train configs/bench-disk.toml`: 2-25-25-25-2
ReLU network, MSE on one-hot targets, 1000 points reshuffled every epoch, mini-batches of --batch,
SGD lr 0.1 momentum 0.9; each framework's DataLoader. Only the training loop is timed. Prints one
JSON object: {"framework", "batch", "epochs_per_second", ...}.

    PYTHONPATH=build/python /usr/bin/python3 bench/python/disk_loop.py --framework minidl --batch 50
"""
import argparse
import json
import math
import os
import time


def minidl_setup(args):
    import minidl
    from minidl import data, nn, optim
    minidl.set_num_threads(args.threads)
    minidl.manual_seed(args.seed)
    x = minidl.rand(1000, 2)
    labels = data.disk_labels(x)
    targets = nn.functional.one_hot(labels, 2).float()
    model = nn.Sequential(nn.Linear(2, 25), nn.ReLU(), nn.Linear(25, 25), nn.ReLU(),
                          nn.Linear(25, 25), nn.ReLU(), nn.Linear(25, 2))
    opt = optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    loader = data.DataLoader(data.TensorDataset(x, labels, targets), batch_size=args.batch, shuffle=True, seed=args.seed)
    return model, opt, nn.MSELoss(), loader, lambda: data.accuracy(model(x), labels), minidl.no_grad


def torch_setup(args):
    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x = torch.rand(1000, 2)
    labels = ((x - 0.5).pow(2).sum(1) < 1 / (2 * math.pi)).long()
    targets = torch.nn.functional.one_hot(labels, 2).float()
    nn = torch.nn
    model = nn.Sequential(nn.Linear(2, 25), nn.ReLU(), nn.Linear(25, 25), nn.ReLU(),
                          nn.Linear(25, 25), nn.ReLU(), nn.Linear(25, 2))
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, targets), batch_size=args.batch, shuffle=True)
    return (model, opt, nn.MSELoss(), loader, lambda: (model(x).argmax(1) == labels).float().mean().item(),
            torch.no_grad)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--framework", choices=["minidl", "torch"], default="minidl")
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(args.threads))

    setup = minidl_setup if args.framework == "minidl" else torch_setup
    model, opt, loss_fn, loader, accuracy, no_grad = setup(args)

    start = time.perf_counter()
    for _ in range(args.epochs):
        for xb, yb in loader:  # the loop a PyTorch user writes, unchanged
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
    seconds = time.perf_counter() - start
    with no_grad():
        acc = accuracy()
    print(json.dumps({"framework": args.framework, "batch": args.batch, "epochs": args.epochs,
                      "epochs_per_second": args.epochs / seconds, "train_seconds": seconds, "train_accuracy": acc}))


if __name__ == "__main__":
    main()

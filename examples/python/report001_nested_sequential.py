#!/usr/bin/python3
"""Report 001 on minidl from Python: two Sequential blocks nested in a third (2-25-25 and 25-25-2,
the middle layers without bias, ReLU after every layer), described by an `info()` in the report's
style, trained with SGD and MSE on one-hot targets of the disk task (standardised inputs, batch 100,
50 epochs, Xavier-normal weights: configs/report-001.toml). Prints the train and test error.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/report001_nested_sequential.py
"""
import argparse
import time

import minidl
from minidl import data, nn, optim


def info(module, depth=0, out=print):
    """The report's self-description: one line per layer, nested blocks one bar deeper."""
    bars = "| " * (depth + 1)
    if isinstance(module, nn.Sequential):
        out("|x Sequential:" if depth == 0 else f"{bars}Sequential:")
        for child in module:
            info(child, depth + 1, out)
        out("| " * max(2, depth + 1) + "v")
    elif isinstance(module, nn.Linear):
        out(f"{bars}Linear Layer, in: {module.in_features}, out: {module.out_features}, biases: {module.bias is not None}")
    elif isinstance(module, nn.ReLU):
        out(f"{bars}Rectified Linear Unit")
    else:
        out(f"{bars}{module!r}")


def build(generator):
    def linear(i, o, bias=True):
        return nn.Linear(i, o, bias=bias, init="xavier_normal", generator=generator)

    first = nn.Sequential(linear(2, 25), nn.ReLU(), linear(25, 25, bias=False), nn.ReLU())
    second = nn.Sequential(linear(25, 25, bias=False), nn.ReLU(), linear(25, 2), nn.ReLU())
    return nn.Sequential(first, second)


def error_rate(model, dataset):
    with minidl.no_grad():
        return 1.0 - data.accuracy(model(dataset.inputs), dataset.labels)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    model = build(minidl.Generator(args.seed))
    info(model)
    train, _, test = data.make_disk_splits(train_size=1000, test_size=1000, seed=args.seed, targets="one_hot",
                                           standardize=True)
    loader = data.DataLoader(train, batch_size=100, shuffle=True, seed=args.seed)
    opt = optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.MSELoss()
    start = time.perf_counter()
    for epoch in range(args.epochs):
        for x, y in loader:
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
    seconds = time.perf_counter() - start
    train_error, test_error = error_rate(model, train), error_rate(model, test)
    print(f"epochs {args.epochs}: train error {100 * train_error:.1f}%, test error {100 * test_error:.1f}%, "
          f"training {1000 * seconds:.0f} ms")
    return train_error, test_error


if __name__ == "__main__":
    main()

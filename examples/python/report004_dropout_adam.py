#!/usr/bin/python3
"""Report 004's run on minidl from Python: 2-25-25-25-2, each hidden layer followed by Dropout,
ReLU, ReLU and Sigmoid, He-normal weights and zero biases, cross entropy, batch 50, 50 epochs,
Adam lr 1e-3, betas (0.9, 0.999) (configs/report-004.toml; --p sets the drop probability, 0 in the
report's general-performance run). Prints train and test accuracy.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/report004_dropout_adam.py --p 0.1
"""
import argparse

import minidl
from minidl import data, nn, optim


def build(p, generator):
    def linear(i, o):
        return nn.Linear(i, o, init="kaiming_normal", generator=generator)

    return nn.Sequential(linear(2, 25), nn.ReLU(), nn.Dropout(p, generator=generator),
                         linear(25, 25), nn.ReLU(), nn.Dropout(p, generator=generator),
                         linear(25, 25), nn.Sigmoid(), nn.Dropout(p, generator=generator),
                         linear(25, 2))


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--p", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    generator = minidl.Generator(args.seed)
    model = build(args.p, generator)
    print(model)
    train, _, test = data.make_disk_splits(train_size=1000, test_size=1000, seed=args.seed)
    loader = data.DataLoader(train, batch_size=50, shuffle=True, seed=args.seed)
    opt = optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999))
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(1, args.epochs + 1):
        model.train()
        for x, labels in loader:
            opt.zero_grad()
            loss = loss_fn(model(x), labels)
            loss.backward()
            opt.step()
        if epoch % 10 == 0 or epoch == args.epochs:
            model.eval()
            with minidl.no_grad():
                acc = data.accuracy(model(train.inputs), train.labels)
            print(f"epoch {epoch:3d}  loss {loss.item():.4f}  train accuracy {100 * acc:.1f}%")
    model.eval()
    with minidl.no_grad():
        train_accuracy = data.accuracy(model(train.inputs), train.labels)
        test_accuracy = data.accuracy(model(test.inputs), test.labels)
    print(f"train accuracy {100 * train_accuracy:.1f}%, test accuracy {100 * test_accuracy:.1f}% "
          "(the report: 98.4% and 97.5%)")
    return train_accuracy, test_accuracy


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Report 003's Adam run on minidl from Python: 2-25-25-25-2 with ReLU, ReLU and the "rectified
tanh" 0.5 (1 + tanh x) (nn.ShiftedTanh), PyTorch's init divided by sqrt(3), MSE on one-hot
targets, mini-batches of 50, Adam lr 0.005 (configs/report-003.toml). The model is a Python
nn.Module subclass, as the report's authors would write it for PyTorch. Prints loss and accuracy.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/report003_adam.py --epochs 100
"""
import argparse

import minidl
from minidl import data, nn, optim


class Net(nn.Module):
    def __init__(self, generator):
        super().__init__()
        self.fc1 = nn.Linear(2, 25, init="pytorch_default_scaled", generator=generator)
        self.fc2 = nn.Linear(25, 25, init="pytorch_default_scaled", generator=generator)
        self.fc3 = nn.Linear(25, 25, init="pytorch_default_scaled", generator=generator)
        self.out = nn.Linear(25, 2, init="pytorch_default_scaled", generator=generator)
        self.rectified_tanh = nn.ShiftedTanh()

    def forward(self, x):
        x = self.fc1(x).relu()
        x = self.fc2(x).relu()
        x = self.rectified_tanh(self.fc3(x))
        return self.out(x)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    model = Net(minidl.Generator(args.seed))
    print(model)
    train, validation, test = data.make_disk_splits(train_size=1000, validation_size=1000, test_size=1000,
                                                    seed=args.seed, targets="one_hot")
    loader = data.DataLoader(train, batch_size=50, shuffle=True, seed=args.seed)
    opt = optim.Adam(model.parameters(), lr=0.005)
    loss_fn = nn.MSELoss()
    for epoch in range(1, args.epochs + 1):
        epoch_loss = data.RunningMean()
        for x, y in loader:
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            epoch_loss.add(loss.item(), x.shape[0])
        if epoch % 10 == 0 or epoch == args.epochs:
            model.eval()
            with minidl.no_grad():
                acc = data.accuracy(model(validation.inputs), validation.labels)
            model.train()
            print(f"epoch {epoch:4d}  loss {epoch_loss.mean:.4f}  validation accuracy {100 * acc:.1f}%")
    with minidl.no_grad():
        test_accuracy = data.accuracy(model(test.inputs), test.labels)
    print(f"test accuracy {100 * test_accuracy:.1f}% (the report: 98.3%)")
    return test_accuracy


if __name__ == "__main__":
    main()

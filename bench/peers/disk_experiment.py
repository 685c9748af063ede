#!/usr/bin/python3
"""PyTorch peer of `minidl train` on the disk task: one run of one report's setting.

Run with Debian's /usr/bin/python3 (torch 1.13). float32, one thread. The data is the same
distribution as minidl's (uniform in [0,1]^2, label 1 inside the disk of centre (0.5, 0.5) and
radius 1/sqrt(2 pi)) drawn with numpy from --seed, so not the same points as minidl's.

Prints one JSON line per run (--runs N: seeds seed ... seed+N-1): {"test_accuracy", "train_accuracy", "train_seconds", ...}. train_seconds
times the training loop only (no evaluation), as minidl's train_seconds does.

Example (report 000's setting):
  /usr/bin/python3 bench/peers/disk_experiment.py --layers linear:25,relu,linear:25,relu,linear:25,relu,linear:2 \
      --loss mse --targets one-hot --optimizer sgd --lr 0.1 --momentum 0.9 --batch 200 --epochs 10 --seed 0
"""
import argparse
import json
import math
import time

import numpy as np
import torch
from torch import nn

RADIUS2 = 1.0 / (2.0 * math.pi)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--layers", default="linear:25,relu,linear:25,relu,linear:25,relu,linear:2",
                   help="comma-separated layers: linear:OUT[:nobias], relu, tanh, sigmoid, shifted_tanh, "
                        "leaky_relu[:SLOPE], dropout[:P], identity, softmax, log_softmax; '(' and ')' are ignored "
                        "(nested Sequentials compute the same function)")
    p.add_argument("--init", default="pytorch_default",
                   choices=["pytorch_default", "pytorch_default_scaled", "xavier_uniform", "xavier_normal",
                            "kaiming_uniform", "kaiming_normal", "normal"])
    p.add_argument("--init-std", type=float, default=1.0, help="std of --init normal")
    p.add_argument("--init-gain", type=float, default=1.0, help="gain of --init xavier_uniform / xavier_normal")
    p.add_argument("--bias-std", type=float, default=0.0, help="with a non-default init: std of the biases (0: zeros)")
    p.add_argument("--loss", default="cross_entropy", choices=["mse", "l1", "bce", "bce_with_logits", "cross_entropy"])
    p.add_argument("--reduction", default="mean", choices=["mean", "sum"], help="of the loss over the batch")
    p.add_argument("--targets", default="class", choices=["class", "one-hot", "label"])
    p.add_argument("--features", default="xy", choices=["xy", "xy-r2"])
    p.add_argument("--optimizer", default="adam", choices=["sgd", "adam", "rmsprop", "lbfgs", "bfgs"],
                   help="bfgs: dense BFGS written here (torch has none), one iteration of step lr per epoch, full batch")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--momentum", type=float, default=0.0)
    p.add_argument("--betas", type=float, nargs=2, default=[0.9, 0.999])
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--history-size", type=int, default=100, help="lbfgs")
    p.add_argument("--max-iter", type=int, default=20, help="lbfgs: iterations per step")
    p.add_argument("--line-search", default="strong_wolfe", choices=["strong_wolfe", "none"], help="lbfgs")
    p.add_argument("--scheduler", default="none", choices=["none", "power", "onecycle"])
    p.add_argument("--eta", type=float, default=None, help="power: lr = eta * t^-kappa per step (default --lr)")
    p.add_argument("--kappa", type=float, default=0.6, help="power")
    p.add_argument("--max-lr", type=float, default=None, help="onecycle (default --lr)")
    p.add_argument("--batch", type=int, default=50)
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--runs", type=int, default=1, help="runs with seeds seed, seed+1, ...: one JSON line each")
    p.add_argument("--train-size", type=int, default=1000)
    p.add_argument("--val-size", type=int, default=0, help="drawn (as in report 003) but not used for training")
    p.add_argument("--test-size", type=int, default=1000)
    p.add_argument("--standardize", action=argparse.BooleanOptionalAction, default=True,
                   help="zero mean, unit (population) std with the training set's statistics")
    p.add_argument("--threads", type=int, default=1)
    return p.parse_args(argv)


def disk(n, rng):
    x = rng.uniform(0.0, 1.0, size=(n, 2))
    labels = (((x - 0.5) ** 2).sum(axis=1) < RADIUS2).astype(np.int64)
    return x, labels


def features(x, kind):
    if kind == "xy-r2":
        return np.concatenate([x, (x ** 2).sum(axis=1, keepdims=True)], axis=1)
    return x


class DenseBFGS:
    """Full-batch BFGS with a constant step (report 003's "step size ... constant, equal to the learning
    rate"): d = -H g, w += t d. As torch.optim.LBFGS and minidl's BFGS: the first step is
    min(1, 1/|g|_1) * lr, H starts as I, is rescaled by y's/y'y at the first update, and an update with
    y's <= 1e-10 is skipped. H is float64; the parameters stay float32."""

    def __init__(self, params, lr):
        self.params = list(params)
        self.lr = lr
        self.H = None
        self.prev_g = None
        self.s = None
        self.updates = 0

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def flat_grad(self):
        return torch.cat([p.grad.reshape(-1) for p in self.params]).double()

    def step(self, closure):
        loss = closure()
        g = self.flat_grad()
        n = g.numel()
        if self.H is None:
            self.H = torch.eye(n, dtype=torch.float64)
            t = min(1.0, 1.0 / g.abs().sum().item()) * self.lr
        else:
            y = g - self.prev_g
            ys = torch.dot(y, self.s).item()
            if ys > 1e-10:
                if self.updates == 0:
                    self.H = torch.eye(n, dtype=torch.float64) * (ys / torch.dot(y, y).item())
                rho = 1.0 / ys
                Hy = self.H @ y
                c = rho * rho * torch.dot(y, Hy).item() + rho
                self.H.addr_(self.s, Hy, alpha=-rho)  # in place: outer products of n = 1427 allocate 16 MB each
                self.H.addr_(Hy, self.s, alpha=-rho)
                self.H.addr_(self.s, self.s, alpha=c)
                self.updates += 1
            t = self.lr
        d = -(self.H @ g)
        self.s = t * d
        self.prev_g = g
        with torch.no_grad():
            offset = 0
            for p in self.params:
                k = p.numel()
                p.add_(self.s[offset:offset + k].view_as(p).float())
                offset += k
        return loss


class ShiftedTanh(nn.Module):
    """Report 003's "rectified tanh": 0.5 (1 + tanh x)."""

    def forward(self, x):
        return 0.5 * (1.0 + torch.tanh(x))


def build_model(spec, in_features, args):
    layers = []
    width = in_features
    for item in spec.replace("(", "").replace(")", "").split(","):
        item = item.strip()
        if not item:
            continue
        name, *opts = item.split(":")
        if name == "linear":
            out = int(opts[0])
            bias = not (len(opts) > 1 and opts[1] == "nobias")
            lin = nn.Linear(width, out, bias=bias)
            init_linear(lin, args)
            layers.append(lin)
            width = out
        elif name == "relu":
            layers.append(nn.ReLU())
        elif name == "tanh":
            layers.append(nn.Tanh())
        elif name == "sigmoid":
            layers.append(nn.Sigmoid())
        elif name == "shifted_tanh":
            layers.append(ShiftedTanh())
        elif name == "leaky_relu":
            layers.append(nn.LeakyReLU(float(opts[0]) if opts else 0.01))
        elif name == "dropout":
            layers.append(nn.Dropout(float(opts[0]) if opts else 0.5))
        elif name == "identity":
            layers.append(nn.Identity())
        elif name == "softmax":
            layers.append(nn.Softmax(dim=1))
        elif name == "log_softmax":
            layers.append(nn.LogSoftmax(dim=1))
        else:
            raise SystemExit(f"disk_experiment.py: unknown layer '{item}' in --layers")
    return nn.Sequential(*layers)


def init_linear(lin, args):
    """minidl's model.init: pytorch_default keeps PyTorch's own init; the others set the weights
    and zero the biases (or draw them with --bias-std)."""
    w, b = lin.weight, lin.bias
    fan_in = w.shape[1]
    with torch.no_grad():
        if args.init == "pytorch_default":
            return  # nn.Linear's own: uniform +-1/sqrt(fan_in) for weights and biases
        if args.init == "pytorch_default_scaled":
            bound = 1.0 / math.sqrt(3.0 * fan_in)
            w.uniform_(-bound, bound)
            if b is not None:
                b.uniform_(-bound, bound)
            return
        if args.init_gain != 1.0 and not args.init.startswith("xavier"):
            raise SystemExit(f"disk_experiment.py: --init-gain applies to the xavier inits, not --init {args.init}")
        if args.init == "xavier_uniform":
            nn.init.xavier_uniform_(w, gain=args.init_gain)
        elif args.init == "xavier_normal":
            nn.init.xavier_normal_(w, gain=args.init_gain)
        elif args.init == "kaiming_uniform":
            nn.init.kaiming_uniform_(w)
        elif args.init == "kaiming_normal":
            nn.init.kaiming_normal_(w)
        elif args.init == "normal":
            nn.init.normal_(w, 0.0, args.init_std)
        if b is not None:
            if args.bias_std > 0:
                nn.init.normal_(b, 0.0, args.bias_std)
            else:
                nn.init.zeros_(b)


def loss_and_targets(args, outputs_width):
    """The loss function of (outputs, batch labels) and how outputs become predicted classes."""
    if args.loss == "cross_entropy":
        ce = nn.CrossEntropyLoss(reduction=args.reduction)
        if args.targets == "one-hot":
            return (lambda y, lab: ce(y, nn.functional.one_hot(lab, outputs_width).float())), "argmax"
        return (lambda y, lab: ce(y, lab)), "argmax"
    base = {"mse": nn.MSELoss, "l1": nn.L1Loss, "bce": nn.BCELoss,
            "bce_with_logits": nn.BCEWithLogitsLoss}[args.loss](reduction=args.reduction)
    if args.targets == "one-hot":
        return (lambda y, lab: base(y, nn.functional.one_hot(lab, outputs_width).float())), "argmax"
    if args.targets == "label":
        kind = "logit" if args.loss == "bce_with_logits" else "prob"
        return (lambda y, lab: base(y, lab.float().unsqueeze(1))), kind
    raise SystemExit(f"disk_experiment.py: --loss {args.loss} needs --targets one-hot or label")


def predict(outputs, kind):
    if kind == "argmax":
        return outputs.argmax(dim=1)
    threshold = 0.0 if kind == "logit" else 0.5
    return (outputs[:, 0] > threshold).long()


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    first = args.seed
    for seed in range(first, first + args.runs):  # one process for all runs: importing torch takes seconds
        args.seed = seed
        run(args)


def run(args):
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    train_x, train_y = disk(args.train_size, rng)
    if args.val_size > 0:
        disk(args.val_size, rng)  # drawn and left unused, like report 003's validation set
    test_x, test_y = disk(args.test_size, rng)
    train_f, test_f = features(train_x, args.features), features(test_x, args.features)
    if args.standardize:
        mean, std = train_f.mean(axis=0), train_f.std(axis=0)
        train_f, test_f = (train_f - mean) / std, (test_f - mean) / std
    xtr = torch.tensor(train_f, dtype=torch.float32)
    ytr = torch.tensor(train_y)
    xte = torch.tensor(test_f, dtype=torch.float32)
    yte = torch.tensor(test_y)

    model = build_model(args.layers, xtr.shape[1], args)
    width = [m for m in model if isinstance(m, nn.Linear)][-1].out_features
    loss_fn, kind = loss_and_targets(args, width)
    params = list(model.parameters())
    if args.optimizer == "sgd":
        opt = torch.optim.SGD(params, lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)
    elif args.optimizer == "adam":
        opt = torch.optim.Adam(params, lr=args.lr, betas=tuple(args.betas), weight_decay=args.weight_decay)
    elif args.optimizer == "rmsprop":
        opt = torch.optim.RMSprop(params, lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)
    elif args.optimizer == "bfgs":
        opt = DenseBFGS(params, args.lr)
    else:
        opt = torch.optim.LBFGS(params, lr=args.lr, max_iter=args.max_iter, history_size=args.history_size,
                                line_search_fn=None if args.line_search == "none" else "strong_wolfe")
    full_batch = args.optimizer in ("lbfgs", "bfgs")
    batch = args.train_size if full_batch else args.batch
    steps_per_epoch = math.ceil(args.train_size / batch)
    sched = None
    if args.scheduler == "power":
        eta = args.lr if args.eta is None else args.eta
        for g in opt.param_groups:
            g["lr"] = eta
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: (step + 1) ** (-args.kappa))
    elif args.scheduler == "onecycle":
        max_lr = args.lr if args.max_lr is None else args.max_lr
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, total_steps=args.epochs * steps_per_epoch)

    gen = torch.Generator().manual_seed(args.seed + 1)
    model.train()
    start = time.perf_counter()
    for _ in range(args.epochs):
        order = torch.arange(args.train_size) if full_batch else torch.randperm(args.train_size, generator=gen)
        for i in range(0, args.train_size, batch):
            idx = order[i:i + batch]
            xb, yb = xtr[idx], ytr[idx]
            if full_batch:
                def closure():
                    opt.zero_grad()
                    loss = loss_fn(model(xb), yb)
                    loss.backward()
                    return loss
                opt.step(closure)
            else:
                opt.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                opt.step()
            if sched is not None:
                sched.step()
    train_seconds = time.perf_counter() - start

    model.eval()
    with torch.no_grad():
        test_acc = (predict(model(xte), kind) == yte).float().mean().item()
        train_acc = (predict(model(xtr), kind) == ytr).float().mean().item()
    print(json.dumps({"test_accuracy": test_acc, "train_accuracy": train_acc, "train_seconds": train_seconds,
                      "epochs": args.epochs, "seed": args.seed, "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()

"""Golden values of minidl::optim: 20-step parameter trajectories of every optimizer (main option
combinations) on one fixed float64 problem, and the learning-rate sequences of the schedulers.

The problem (stored in optim_problem.json): a 3-4-2 tanh MLP on 16 fixed points,
loss = mean((W2 tanh(W1 x + b1) + b2 - y)^2). Each trajectory starts from the stored weights;
entry "<name>/trajectory" is (20, 26): the flattened [W1, b1, W2, b2] after each step.
"""
import math

import torch

from golden.common import write

STEPS = 20


def _problem():
    g = torch.Generator().manual_seed(1234)
    x = torch.rand(16, 3, generator=g, dtype=torch.float64) * 2 - 1
    # Targets from a function the small net cannot fit exactly, so the loss keeps falling.
    y = torch.stack([torch.sin(3 * x[:, 0]) * x[:, 1], torch.cos(2 * x[:, 2]) - x[:, 0] ** 2], dim=1)
    w1 = torch.randn(4, 3, generator=g, dtype=torch.float64) * 0.6
    b1 = torch.randn(4, generator=g, dtype=torch.float64) * 0.1
    w2 = torch.randn(2, 4, generator=g, dtype=torch.float64) * 0.6
    b2 = torch.randn(2, generator=g, dtype=torch.float64) * 0.1
    return {"x": x, "y": y, "w1": w1, "b1": b1, "w2": w2, "b2": b2}


def _loss(p, params):
    w1, b1, w2, b2 = params
    h = torch.tanh(torch.nn.functional.linear(p["x"], w1, b1))
    out = torch.nn.functional.linear(h, w2, b2)
    return torch.mean((out - p["y"]) ** 2)


def _params(p):
    return [p[k].clone().requires_grad_() for k in ("w1", "b1", "w2", "b2")]


def _flat(params):
    return torch.cat([q.detach().reshape(-1) for q in params])


# name -> (constructor, uses closure). Groups: "groups" splits weights and biases.
def _optimizers():
    o = torch.optim
    return {
        "sgd": lambda ps: o.SGD(ps, lr=0.1),
        "sgd_momentum": lambda ps: o.SGD(ps, lr=0.1, momentum=0.9),
        "sgd_nesterov": lambda ps: o.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
        "sgd_dampening": lambda ps: o.SGD(ps, lr=0.1, momentum=0.8, dampening=0.3),
        "sgd_weight_decay": lambda ps: o.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.05),
        "sgd_groups": lambda ps: o.SGD([{"params": [ps[0], ps[2]]}, {"params": [ps[1], ps[3]], "lr": 0.02, "momentum": 0.5}],
                                       lr=0.1),
        "adam": lambda ps: o.Adam(ps, lr=0.01),
        "adam_amsgrad": lambda ps: o.Adam(ps, lr=0.01, betas=(0.8, 0.99), amsgrad=True),
        "adam_weight_decay": lambda ps: o.Adam(ps, lr=0.01, weight_decay=0.1, eps=1e-6),
        "adamw": lambda ps: o.AdamW(ps, lr=0.01),
        "adamw_amsgrad": lambda ps: o.AdamW(ps, lr=0.01, weight_decay=0.2, amsgrad=True),
        "rmsprop": lambda ps: o.RMSprop(ps, lr=0.01),
        "rmsprop_centered": lambda ps: o.RMSprop(ps, lr=0.01, alpha=0.9, centered=True),
        "rmsprop_momentum": lambda ps: o.RMSprop(ps, lr=0.01, momentum=0.9),
        "rmsprop_weight_decay": lambda ps: o.RMSprop(ps, lr=0.01, weight_decay=0.1, momentum=0.5, centered=True),
        "lbfgs": lambda ps: o.LBFGS(ps, lr=0.5, max_iter=3, history_size=4),
        "lbfgs_strong_wolfe": lambda ps: o.LBFGS(ps, lr=1, max_iter=3, history_size=4, line_search_fn="strong_wolfe"),
    }


def _trajectory(p, make):
    params = _params(p)
    opt = make(params)
    rows, losses = [], []

    def closure():
        opt.zero_grad()
        loss = _loss(p, params)
        loss.backward()
        return loss

    for _ in range(STEPS):
        losses.append(float(opt.step(closure)))
        rows.append(_flat(params))
    return torch.stack(rows), torch.tensor(losses)


def _lrs(opt, sched, steps=30, metrics=None, momentum=None):
    lrs = [sched.get_last_lr()[0] if hasattr(sched, "get_last_lr") else opt.param_groups[0]["lr"]]
    moms = [momentum(opt)] if momentum else []
    for i in range(steps):
        opt.step()
        if metrics is not None:
            sched.step(metrics[i])
        else:
            sched.step()
        lrs.append(opt.param_groups[0]["lr"])
        if momentum:
            moms.append(momentum(opt))
    return torch.tensor(lrs), torch.tensor(moms)


def _schedulers():
    s = torch.optim.lr_scheduler
    out = {}
    w = [torch.zeros(2, requires_grad=True)]

    def sgd(lr=0.1, momentum=0.0):
        return torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=lr, momentum=momentum)

    def run(name, opt, sched, **kw):
        lrs, moms = _lrs(opt, sched, **kw)
        out[name + "/lr"] = lrs
        if kw.get("momentum"):
            out[name + "/momentum"] = moms

    opt = torch.optim.SGD([{"params": [torch.zeros(2, requires_grad=True)]},
                           {"params": [torch.zeros(2, requires_grad=True)], "lr": 0.01}], lr=0.1)
    sched = s.StepLR(opt, step_size=7, gamma=0.5)
    second = [opt.param_groups[1]["lr"]]
    for _ in range(30):
        opt.step()
        sched.step()
        second.append(opt.param_groups[1]["lr"])
    out["step_lr/lr_group1"] = torch.tensor(second)
    opt = sgd()
    run("step_lr", opt, s.StepLR(opt, step_size=7, gamma=0.5))
    opt = sgd()
    run("exponential_lr", opt, s.ExponentialLR(opt, gamma=0.9))
    opt = sgd()
    run("cosine_annealing_lr", opt, s.CosineAnnealingLR(opt, T_max=10, eta_min=0.001))
    opt = sgd()
    run("lambda_lr", opt, s.LambdaLR(opt, lambda e: 1.0 / (1.0 + 0.3 * e) + 0.01 * (e % 3)))
    # Report 004's power decay lr = eta t^-kappa with t = epoch + 1 (eta 0.035, kappa 0.6).
    opt = sgd(lr=0.035)
    run("power_decay_lr", opt, s.LambdaLR(opt, lambda e: (e + 1) ** (-0.6)))
    mom = lambda o: o.param_groups[0]["momentum"]
    beta1 = lambda o: o.param_groups[0]["betas"][0]
    opt = sgd(momentum=0.9)
    run("one_cycle_lr_cos", opt, s.OneCycleLR(opt, max_lr=0.5, total_steps=30), momentum=mom)
    opt = sgd(momentum=0.9)
    run("one_cycle_lr_linear", opt, s.OneCycleLR(opt, max_lr=0.5, total_steps=30, anneal_strategy="linear",
                                                 pct_start=0.4, div_factor=10.0, final_div_factor=100.0), momentum=mom)
    opt = sgd(momentum=0.9)
    run("one_cycle_lr_three_phase", opt, s.OneCycleLR(opt, max_lr=0.5, total_steps=30, three_phase=True), momentum=mom)
    opt = torch.optim.Adam([torch.zeros(2, requires_grad=True)], lr=0.1)
    run("one_cycle_lr_adam", opt, s.OneCycleLR(opt, max_lr=0.01, total_steps=30, base_momentum=0.8, max_momentum=0.9),
        momentum=beta1)
    metrics = [1.0, 0.9, 0.95, 0.95, 0.96, 0.89, 0.9, 0.9, 0.9, 0.9, 0.88, 0.88, 0.88, 0.88, 0.88,
               0.87, 0.87, 0.87, 0.87, 0.87, 0.87, 0.87, 0.87, 0.87, 0.87, 0.87, 0.87, 0.87, 0.87, 0.87]
    out["plateau_metrics"] = torch.tensor(metrics)
    opt = sgd()
    run("reduce_lr_on_plateau_min_rel", opt,
        s.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=2, threshold=0.02, cooldown=1, min_lr=0.003),
        metrics=metrics)
    opt = sgd()
    run("reduce_lr_on_plateau_max_abs", opt,
        s.ReduceLROnPlateau(opt, mode="max", factor=0.3, patience=1, threshold=0.01, threshold_mode="abs"),
        metrics=[-m for m in metrics])
    return out


def _line_searches():
    """torch.optim.lbfgs._strong_wolfe on the wavy 1-D f(x) = sin 3x + x^2 / 10 + cos(7x) / 2 along
    -f'(x0), from several x0 and initial steps t0, chosen so that every branch of the bracketing
    and zoom phases decides some case."""
    from torch.optim.lbfgs import _strong_wolfe

    def f(x):
        x = x.detach().clone().requires_grad_()
        y = torch.sin(3 * x[0]) + 0.1 * x[0] ** 2 + 0.5 * torch.cos(7 * x[0])
        y.backward()
        return float(y), x.grad

    rows = {"x0": [], "t0": [], "t": [], "f": [], "g": [], "evals": []}
    for x0v in [0.3, -0.4, 0.8, 2.0, -1.5]:
        x0 = torch.tensor([x0v])
        f0, g0 = f(x0)
        d = -g0
        for t0 in [1e-3, 0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0]:
            fx, g, t, n = _strong_wolfe(lambda x, t, d: f(x + t * d), x0, t0, d, f0, g0, g0.dot(d))
            for key, value in (("x0", x0v), ("t0", t0), ("t", float(t)), ("f", float(fx)), ("g", float(g[0])),
                               ("evals", n)):
                rows[key].append(value)
    out = {key: torch.tensor(values) for key, values in rows.items()}
    out["evals"] = out["evals"].to(torch.int64)
    return out


def generate(out_dir):
    torch.set_default_dtype(torch.float64)
    p = _problem()
    write(out_dir / "optim_problem.json", p)
    trajectories = {}
    for name, make in _optimizers().items():
        traj, losses = _trajectory(p, make)
        trajectories[name + "/trajectory"] = traj
        trajectories[name + "/loss"] = losses
    write(out_dir / "optim_trajectories.json", _nest(trajectories))
    write(out_dir / "optim_schedulers.json", _nest(_schedulers()))
    write(out_dir / "optim_line_search.json", _line_searches())


def _nest(flat):
    out = {}
    for key, value in flat.items():
        node = out
        *parents, leaf = key.split("/")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out

"""PyTorch 1.13 reference values for minidl::nn (modules, losses, init, dropout, clipping).

Inputs are drawn here with fixed torch seeds and stored next to the outputs, so the C++ tests
load the same inputs and weights (weights through load_state_dict) and need no Python.
Files: nn_modules.json, nn_losses.json, nn_networks.json, nn_init.json.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from golden.common import write


def module_case(module, x, seed):
    """Output, input gradient and parameter gradients of `module` for x and an upstream dy."""
    g = torch.Generator().manual_seed(seed)
    x = x.clone().requires_grad_(x.is_floating_point())
    y = module(x)
    dy = torch.randn(y.shape, generator=g, dtype=y.dtype)
    y.backward(dy)
    return {
        "x": x,
        "state": dict(module.state_dict()) if isinstance(module, nn.Module) else {},
        "y": y,
        "dy": dy,
        "dx": x.grad,
        "grads": {k: p.grad for k, p in module.named_parameters()} if isinstance(module, nn.Module) else {},
    }


def modules():
    torch.manual_seed(0)
    out = {}
    x = torch.randn(5, 3)
    out["linear"] = module_case(nn.Linear(3, 4), x, 1)
    out["linear_no_bias"] = module_case(nn.Linear(3, 4, bias=False), x, 2)
    out["linear_3d"] = module_case(nn.Linear(3, 4), torch.randn(2, 5, 3), 3)
    out["linear_f32"] = module_case(nn.Linear(3, 4).float(), x.float(), 4)
    a = torch.randn(4, 6) * 2
    out["relu"] = module_case(nn.ReLU(), a, 5)
    out["leaky_relu"] = module_case(nn.LeakyReLU(0.1), a, 6)
    out["tanh"] = module_case(nn.Tanh(), a, 7)
    out["sigmoid"] = module_case(nn.Sigmoid(), a, 8)
    out["shifted_tanh"] = module_case(lambda t: 0.5 * (1 + torch.tanh(t)), a, 9)
    out["softmax"] = module_case(nn.Softmax(dim=1), a, 10)
    out["log_softmax"] = module_case(nn.LogSoftmax(dim=1), a, 11)
    out["log_softmax_dim0"] = module_case(nn.LogSoftmax(dim=0), a, 12)
    out["identity"] = module_case(nn.Identity(), a, 13)
    out["flatten"] = module_case(nn.Flatten(), torch.randn(2, 3, 4), 14)

    # Dropout: PyTorch's own mask, recovered from an output of ones, then applied to x.
    xd = torch.randn(6, 7)
    torch.manual_seed(15)
    mask = (F.dropout(torch.ones(6, 7), 0.3, training=True) != 0).double()
    xr = xd.clone().requires_grad_()
    torch.manual_seed(15)
    y = F.dropout(xr, 0.3, training=True)
    dy = torch.randn(6, 7)
    y.backward(dy)
    out["dropout"] = {"x": xd, "mask": mask, "p": 0.3, "y": y, "dy": dy, "dx": xr.grad}

    # Gradient clipping: three gradients, max_norm 0.5, norms 2, 1 and inf; clip_grad_value_ 0.3.
    grads = [torch.randn(3, 4), torch.randn(5), torch.randn(2, 2)]
    clip = {"grads": grads, "max_norm": 0.5, "clip_value": 0.3}
    for name, norm_type in (("l2", 2.0), ("l1", 1.0), ("inf", math.inf)):
        ps = [torch.zeros_like(gr).requires_grad_() for gr in grads]
        for p, gr in zip(ps, grads):
            p.grad = gr.clone()
        total = torch.nn.utils.clip_grad_norm_(ps, 0.5, norm_type=norm_type)
        clip[name] = {"total_norm": total.item(), "clipped": [p.grad for p in ps]}
    ps = [torch.zeros_like(gr).requires_grad_() for gr in grads]
    for p, gr in zip(ps, grads):
        p.grad = gr.clone()
    torch.nn.utils.clip_grad_value_(ps, 0.3)
    clip["value"] = [p.grad for p in ps]
    out["clip"] = clip

    # GELU (exact erf and tanh approximation) and SiLU, float64 and float32 (issue 15).
    torch.manual_seed(16)
    v = torch.randn(4, 6) * 3
    out["gelu"] = module_case(nn.GELU(), v, 17)
    out["gelu_tanh"] = module_case(nn.GELU(approximate="tanh"), v, 18)
    out["silu"] = module_case(nn.SiLU(), v, 19)
    out["gelu_f32"] = module_case(nn.GELU(), v.float(), 20)
    out["gelu_tanh_f32"] = module_case(nn.GELU(approximate="tanh"), v.float(), 21)
    out["silu_f32"] = module_case(nn.SiLU(), v.float(), 22)

    # load_state_dict casts another dtype (issue 15): float64 values (not float32-representable)
    # into a float32 Linear, and float32 values into a float64 one.
    torch.manual_seed(23)
    state64 = {"weight": torch.randn(4, 3) / 3, "bias": torch.randn(4) / 3}
    into32 = nn.Linear(3, 4).float()
    into32.load_state_dict(state64)
    state32 = {k: torch.randn(v.shape, dtype=torch.float32) for k, v in state64.items()}
    into64 = nn.Linear(3, 4).double()
    into64.load_state_dict(state32)
    out["load_cast"] = {"state64": state64, "loaded32": dict(into32.state_dict()),
                        "state32": state32, "loaded64": dict(into64.state_dict())}
    return out


def loss_case(fn, x, t, reduction, seed, target_grad=True, **kw):
    g = torch.Generator().manual_seed(seed)
    x = x.clone().requires_grad_()
    t = t.clone()
    if target_grad and t.is_floating_point():
        t.requires_grad_()
    y = fn(x, t, reduction=reduction, **kw)
    dy = torch.randn(y.shape, generator=g, dtype=y.dtype)
    y.backward(dy)
    case = {"input": x, "target": t, "y": y, "dy": dy, "dinput": x.grad}
    if t.requires_grad:
        case["dtarget"] = t.grad
    return case


def losses():
    torch.manual_seed(100)
    out = {}
    n, c = 6, 4
    x = torch.randn(n, 3)
    y = torch.randn(n, 3)
    probs = torch.rand(n, 3) * 0.98 + 0.01
    binary = (torch.rand(n, 3) > 0.5).double()
    logits = torch.randn(n, c) * 3
    labels = torch.randint(0, c, (n,))
    soft = torch.softmax(torch.randn(n, c), dim=1)
    one_hot = F.one_hot(labels, c).double()
    big = torch.tensor([[1000.0, -1000.0, 0.0, 999.0], [-800.0, 800.0, 3.0, 0.0]])
    big_labels = torch.tensor([3, 0])
    edge = torch.tensor([0.0, 1.0, 0.5, 1e-50, 1 - 1e-16])
    edge_t = torch.tensor([1.0, 0.0, 1.0, 0.3, 0.7])
    for r in ("none", "mean", "sum"):
        seed = {"none": 1, "mean": 2, "sum": 3}[r]
        out[f"mse_{r}"] = loss_case(F.mse_loss, x, y, r, seed)
        out[f"l1_{r}"] = loss_case(F.l1_loss, x, y, r, seed)
        out[f"bce_{r}"] = loss_case(F.binary_cross_entropy, probs, binary, r, seed)
        out[f"bce_soft_{r}"] = loss_case(F.binary_cross_entropy, probs, torch.rand(n, 3), r, seed)
        out[f"bce_logits_{r}"] = loss_case(F.binary_cross_entropy_with_logits, x * 4, binary, r, seed)
        out[f"ce_index_{r}"] = loss_case(F.cross_entropy, logits, labels, r, seed)
        out[f"ce_index_smooth_{r}"] = loss_case(F.cross_entropy, logits, labels, r, seed, label_smoothing=0.2)
        out[f"ce_prob_{r}"] = loss_case(F.cross_entropy, logits, soft, r, seed)
        out[f"ce_prob_smooth_{r}"] = loss_case(F.cross_entropy, logits, soft, r, seed, label_smoothing=0.2)
        out[f"ce_onehot_{r}"] = loss_case(F.cross_entropy, logits, one_hot, r, seed, target_grad=False)
        out[f"nll_{r}"] = loss_case(F.nll_loss, torch.log_softmax(logits, 1), labels, r, seed)
    # Large logits: stable forms give finite values.
    out["ce_big_mean"] = loss_case(F.cross_entropy, big, big_labels, "mean", 4)
    out["bce_logits_big_sum"] = loss_case(F.binary_cross_entropy_with_logits, big, torch.rand(2, 4), "sum", 5)
    # BCE at 0 and 1: logs clamped at -100.
    out["bce_edge_none"] = loss_case(F.binary_cross_entropy, edge, edge_t, "none", 6, target_grad=False)
    # float32
    out["ce_index_f32_mean"] = loss_case(F.cross_entropy, logits.float(), labels, "mean", 7)
    out["ce_prob_f32_sum"] = loss_case(F.cross_entropy, logits.float(), soft.float(), "sum", 8)
    out["mse_f32_mean"] = loss_case(F.mse_loss, x.float(), y.float(), "mean", 9)
    out.update(loss_options())
    return out


def option_case(fn, x, t, reduction, seed, target_grad=True, **kw):
    """loss_case, with the keyword options (weight, ignore_index, ...) stored under "options"."""
    case = loss_case(fn, x, t, reduction, seed, target_grad, **kw)
    case["options"] = kw
    return case


def loss_options():
    """Class weights, ignore_index and pos_weight (issue 15); keys end in the reduction."""
    torch.manual_seed(101)
    out = {}
    n, c = 8, 4
    logits = torch.randn(n, c) * 3
    labels = torch.randint(0, c, (n,))
    weight = torch.rand(c) + 0.5
    ignored = labels.clone()
    ignored[[1, 5]] = -100  # PyTorch's default ignore_index
    with_ones = labels.clone()
    with_ones[[0, 3]] = 1  # class 1 ignored below
    soft = torch.softmax(torch.randn(n, c), dim=1)
    seq = torch.randn(2, c, 5) * 2
    seq_labels = torch.randint(0, c, (2, 5))
    seq_labels[0, 2] = -1
    x = torch.randn(n, 3) * 4
    binary = (torch.rand(n, 3) > 0.5).double()
    pos_weight = torch.rand(3) * 3 + 0.2
    two = torch.randn(n, 2) * 3  # report 004: two outputs with one-hot targets
    one_hot = F.one_hot(torch.randint(0, 2, (n,)), 2).double()
    for r in ("none", "mean", "sum"):
        seed = {"none": 31, "mean": 32, "sum": 33}[r]
        out[f"ce_weight_{r}"] = option_case(F.cross_entropy, logits, labels, r, seed, weight=weight)
        out[f"ce_ignore_{r}"] = option_case(F.cross_entropy, logits, ignored, r, seed, ignore_index=-100)
        out[f"ce_weight_ignore_{r}"] = option_case(F.cross_entropy, logits, ignored, r, seed, weight=weight,
                                                   ignore_index=-100)
        out[f"ce_weight_ignore_smooth_{r}"] = option_case(F.cross_entropy, logits, with_ones, r, seed, weight=weight,
                                                          ignore_index=1, label_smoothing=0.2)
        out[f"ce_ignore_smooth_{r}"] = option_case(F.cross_entropy, logits, ignored, r, seed, ignore_index=-100,
                                                   label_smoothing=0.2)
        out[f"ce_prob_weight_{r}"] = option_case(F.cross_entropy, logits, soft, r, seed, weight=weight)
        out[f"ce_prob_weight_smooth_{r}"] = option_case(F.cross_entropy, logits, soft, r, seed, weight=weight,
                                                        label_smoothing=0.3)
        out[f"ce_seq_weight_ignore_{r}"] = option_case(F.cross_entropy, seq, seq_labels, r, seed, weight=weight,
                                                       ignore_index=-1)
        out[f"nll_weight_{r}"] = option_case(F.nll_loss, torch.log_softmax(logits, 1), labels, r, seed, weight=weight)
        out[f"nll_weight_ignore_{r}"] = option_case(F.nll_loss, torch.log_softmax(logits, 1), with_ones, r, seed,
                                                    weight=weight, ignore_index=1)
        out[f"bce_logits_pos_weight_{r}"] = option_case(F.binary_cross_entropy_with_logits, x, binary, r, seed,
                                                        pos_weight=pos_weight)
        out[f"bce_logits_onehot_{r}"] = option_case(F.binary_cross_entropy_with_logits, two, one_hot, r, seed)
        out[f"bce_logits_onehot_pos_weight_{r}"] = option_case(F.binary_cross_entropy_with_logits, two, one_hot, r,
                                                               seed, pos_weight=torch.tensor([1.0, 3.0]))
    # Every target ignored: 'mean' is 0 / 0 = nan, as PyTorch.
    out["ce_all_ignored_mean"] = option_case(F.cross_entropy, logits[:2], torch.tensor([-100, -100]), "mean", 34)
    # float32
    out["ce_weight_ignore_smooth_f32_mean"] = option_case(F.cross_entropy, logits.float(), with_ones, "mean", 35,
                                                          weight=weight.float(), ignore_index=1, label_smoothing=0.2)
    out["nll_weight_ignore_f32_sum"] = option_case(F.nll_loss, torch.log_softmax(logits, 1).float(), ignored, "sum",
                                                   36, weight=weight.float())
    out["bce_logits_pos_weight_f32_mean"] = option_case(F.binary_cross_entropy_with_logits, x.float(),
                                                        binary.float(), "mean", 37, pos_weight=pos_weight.float())
    return out


def network_case(model, loss_fn, x, target):
    model.zero_grad(set_to_none=True)
    loss = loss_fn(model(x), target)
    loss.backward()
    return {
        "keys": [k for k, _ in model.named_parameters()],
        "state": model.state_dict(),
        "x": x,
        "target": target,
        "loss": loss.item(),
        "grads": {k: p.grad for k, p in model.named_parameters()},
        "repr": repr(model),
    }


def networks():
    torch.manual_seed(200)
    x = torch.rand(10, 2)
    labels = ((x - 0.5).pow(2).sum(1) < 1 / (2 * math.pi)).long()
    out = {}
    # The common disk network, 2-25-25-25-2 with ReLU and Tanh, cross-entropy on class indices.
    mlp = nn.Sequential(nn.Linear(2, 25), nn.ReLU(), nn.Linear(25, 25), nn.Tanh(), nn.Linear(25, 25), nn.ReLU(),
                        nn.Linear(25, 2))
    out["disk_mlp"] = network_case(mlp, F.cross_entropy, x, labels)
    # Report 001: two nested Sequentials, two layers without bias, MSE on one-hot targets.
    nested = nn.Sequential(
        nn.Sequential(nn.Linear(2, 25), nn.ReLU(), nn.Linear(25, 25, bias=False), nn.ReLU()),
        nn.Sequential(nn.Linear(25, 25, bias=False), nn.Tanh(), nn.Linear(25, 2)))
    out["nested_001"] = network_case(nested, F.mse_loss, x, F.one_hot(labels, 2).double())
    # Report 002: 2-25-25-25-1, MSE on a (N, 1) target.
    r002 = nn.Sequential(nn.Linear(2, 25), nn.ReLU(), nn.Linear(25, 25), nn.Tanh(), nn.Linear(25, 25), nn.ReLU(),
                         nn.Linear(25, 1))
    out["mlp_002"] = network_case(r002, F.mse_loss, x, labels.double().unsqueeze(1))
    out["mlp_f32"] = network_case(mlp.float(), F.cross_entropy, x.float(), labels)
    return out


def init_stats():
    """Statistics of each scheme over a large tensor, as PyTorch draws it."""
    torch.manual_seed(300)
    shape = (400, 300)  # fan_out 400, fan_in 300
    out = {"shape": list(shape)}

    def stats(w):
        return {"mean": w.mean().item(), "std": w.std().item(), "max_abs": w.abs().max().item()}

    def fill(f):
        w = torch.empty(shape)
        f(w)
        return stats(w)

    lin = nn.Linear(300, 400)
    out["pytorch_default"] = stats(lin.weight.detach())
    out["pytorch_default_bias"] = stats(nn.Linear(300, 100000).bias.detach())
    out["pytorch_default_scaled"] = stats(lin.weight.detach() / math.sqrt(3))
    out["xavier_uniform"] = fill(lambda w: nn.init.xavier_uniform_(w))
    out["xavier_uniform_tanh"] = fill(lambda w: nn.init.xavier_uniform_(w, gain=nn.init.calculate_gain("tanh")))
    out["xavier_normal"] = fill(lambda w: nn.init.xavier_normal_(w))
    out["kaiming_uniform"] = fill(lambda w: nn.init.kaiming_uniform_(w))
    out["kaiming_normal"] = fill(lambda w: nn.init.kaiming_normal_(w))
    out["kaiming_normal_fan_out_relu"] = fill(lambda w: nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"))
    out["kaiming_uniform_a_sqrt5"] = fill(lambda w: nn.init.kaiming_uniform_(w, a=math.sqrt(5)))
    out["normal"] = fill(lambda w: nn.init.normal_(w, 0.5, 2.0))
    out["uniform"] = fill(lambda w: nn.init.uniform_(w, -2.0, 3.0))
    # An init gain (issue 15): report 001's std 2 / sqrt(fan_in + fan_out) is xavier_normal_ with gain sqrt(2).
    out["xavier_normal_gain_sqrt2"] = fill(lambda w: nn.init.xavier_normal_(w, gain=math.sqrt(2)))
    out["xavier_uniform_gain_0.5"] = fill(lambda w: nn.init.xavier_uniform_(w, gain=0.5))
    out["gains"] = {k: nn.init.calculate_gain(k) for k in ("linear", "sigmoid", "tanh", "relu", "selu")}
    out["gains"]["leaky_relu_0.2"] = nn.init.calculate_gain("leaky_relu", 0.2)
    return out


def generate(out_dir):
    write(out_dir / "nn_modules.json", modules())
    write(out_dir / "nn_losses.json", losses())
    write(out_dir / "nn_networks.json", networks())
    write(out_dir / "nn_init.json", init_stats())

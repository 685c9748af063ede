"""PyTorch 1.13 reference values for the image ops and layers (issue 9): conv2d, max/avg pooling,
batch norm, and a whole LeNet. Inputs are drawn here with fixed seeds and stored with the
outputs; weights go to the C++ side through load_state_dict.
Files: conv_ops.json, conv_modules.json, conv_lenet.json.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from golden.common import write


def grad_case(fn, inputs, seed):
    """fn(*inputs), an upstream dy, and the gradient of every floating input (None stays out)."""
    g = torch.Generator().manual_seed(seed)
    leaves = [t.clone().requires_grad_() if t is not None else None for t in inputs]
    y = fn(*leaves)
    dy = torch.randn(y.shape, generator=g, dtype=y.dtype)
    y.backward(dy)
    case = {"y": y, "dy": dy}
    for name, t in zip(("x", "w", "b"), leaves):
        if t is not None:
            case[name] = t.detach()
            case["d" + name] = t.grad
    return case


def conv_case(n, c, h, w, oc, kh, kw, stride, padding, bias, seed, dtype=torch.float64):
    torch.manual_seed(seed)
    x = torch.randn(n, c, h, w, dtype=dtype)
    weight = torch.randn(oc, c, kh, kw, dtype=dtype) * 0.5
    b = torch.randn(oc, dtype=dtype) if bias else None
    case = grad_case(lambda x_, w_, b_: F.conv2d(x_, w_, b_, stride=stride, padding=padding), [x, weight, b], seed)
    case.update({"stride": list(stride), "padding": list(padding)})
    return case


def pool_case(fn, x, kernel_size, stride, padding, seed):
    case = grad_case(lambda x_: fn(x_, kernel_size, stride, padding), [x], seed)
    case.update({"kernel_size": list(kernel_size), "stride": list(stride), "padding": list(padding)})
    return case


def ops():
    out = {}
    out["conv_s1_p0"] = conv_case(2, 3, 7, 6, 4, 3, 3, (1, 1), (0, 0), True, 1)
    out["conv_s2_p1"] = conv_case(2, 3, 7, 6, 4, 3, 2, (2, 2), (1, 1), True, 2)
    out["conv_s1_p2_no_bias"] = conv_case(1, 2, 5, 9, 3, 5, 5, (1, 1), (2, 2), False, 3)
    out["conv_s21_p10"] = conv_case(3, 2, 6, 5, 2, 2, 3, (2, 1), (1, 0), True, 4)
    out["conv_s3_p2"] = conv_case(2, 1, 9, 8, 3, 4, 3, (3, 2), (2, 1), True, 5)
    out["conv_f32"] = conv_case(2, 3, 8, 8, 5, 3, 3, (1, 1), (1, 1), True, 6, torch.float32)

    torch.manual_seed(20)
    out["max_k2"] = pool_case(F.max_pool2d, torch.randn(2, 3, 6, 8), (2, 2), (2, 2), (0, 0), 21)
    out["max_k3_s2_p1"] = pool_case(F.max_pool2d, torch.randn(2, 2, 7, 5), (3, 3), (2, 2), (1, 1), 22)
    out["max_k23_s1"] = pool_case(F.max_pool2d, torch.randn(1, 2, 5, 6), (2, 3), (1, 1), (0, 0), 23)
    # Ties everywhere: small integers, overlapping windows (stride 1) so one input wins several.
    out["max_ties"] = pool_case(F.max_pool2d, torch.randint(0, 3, (2, 2, 5, 5)).double(), (2, 2), (1, 1), (0, 0), 24)
    out["max_f32"] = pool_case(F.max_pool2d, torch.randn(2, 3, 6, 6).float(), (2, 2), (2, 2), (0, 0), 25)
    out["avg_k2"] = pool_case(F.avg_pool2d, torch.randn(2, 3, 6, 8), (2, 2), (2, 2), (0, 0), 26)
    out["avg_k3_s2_p1"] = pool_case(F.avg_pool2d, torch.randn(2, 2, 7, 5), (3, 3), (2, 2), (1, 1), 27)
    out["avg_k23_s12"] = pool_case(F.avg_pool2d, torch.randn(1, 2, 5, 7), (2, 3), (1, 2), (1, 1), 28)
    return out


def module_case(module, x, seed):
    g = torch.Generator().manual_seed(seed)
    x = x.clone().requires_grad_()
    y = module(x)
    dy = torch.randn(y.shape, generator=g, dtype=y.dtype)
    y.backward(dy)
    return {"x": x, "state": dict(module.state_dict()), "y": y, "dy": dy, "dx": x.grad,
            "grads": {k: p.grad for k, p in module.named_parameters()}, "repr": repr(module)}


def bn_case(module, x, training, seed):
    """Loads random affine parameters and running statistics, then one forward/backward.
    `state` is before the forward (to load); `state_after` holds the updated running statistics."""
    g = torch.Generator().manual_seed(seed)
    c = module.num_features
    with torch.no_grad():
        if module.affine:
            module.weight.copy_(torch.rand(c, generator=g, dtype=x.dtype) + 0.5)
            module.bias.copy_(torch.randn(c, generator=g, dtype=x.dtype))
        if module.track_running_stats:
            module.running_mean.copy_(torch.randn(c, generator=g, dtype=x.dtype))
            module.running_var.copy_(torch.rand(c, generator=g, dtype=x.dtype) + 0.5)
            module.num_batches_tracked.fill_(3)
    state = {k: v.clone() for k, v in module.state_dict().items()}
    module.train(training)
    x = x.clone().requires_grad_()
    y = module(x)
    dy = torch.randn(y.shape, generator=g, dtype=y.dtype)
    y.backward(dy)
    return {"x": x, "state": state, "state_after": dict(module.state_dict()), "training": training, "y": y, "dy": dy,
            "dx": x.grad, "grads": {k: p.grad for k, p in module.named_parameters()}, "repr": repr(module)}


def modules():
    torch.manual_seed(40)
    out = {}
    out["conv2d"] = module_case(nn.Conv2d(3, 4, 3, stride=2, padding=1), torch.randn(2, 3, 7, 6), 41)
    out["conv2d_no_bias"] = module_case(nn.Conv2d(2, 3, (2, 3), bias=False), torch.randn(2, 2, 5, 6), 42)
    out["conv2d_f32"] = module_case(nn.Conv2d(1, 8, 5).float(), torch.randn(2, 1, 12, 12).float(), 43)
    out["max_pool2d"] = module_case(nn.MaxPool2d(2), torch.randn(2, 3, 6, 6), 44)
    out["avg_pool2d"] = module_case(nn.AvgPool2d(3, stride=2, padding=1), torch.randn(2, 3, 7, 6), 45)
    out["bn1d_train"] = bn_case(nn.BatchNorm1d(4), torch.randn(6, 4) * 2 + 1, True, 46)
    out["bn1d_3d_train"] = bn_case(nn.BatchNorm1d(3), torch.randn(4, 3, 5), True, 47)
    out["bn1d_eval"] = bn_case(nn.BatchNorm1d(4), torch.randn(6, 4), False, 48)
    out["bn1d_3d_eval"] = bn_case(nn.BatchNorm1d(3), torch.randn(4, 3, 5), False, 49)
    out["bn2d_train"] = bn_case(nn.BatchNorm2d(3), torch.randn(4, 3, 5, 6) * 3 - 2, True, 50)
    out["bn2d_eval"] = bn_case(nn.BatchNorm2d(3), torch.randn(4, 3, 5, 6), False, 51)
    out["bn2d_momentum"] = bn_case(nn.BatchNorm2d(2, eps=1e-3, momentum=0.3), torch.randn(3, 2, 4, 4), True, 52)
    out["bn2d_no_affine"] = bn_case(nn.BatchNorm2d(3, affine=False), torch.randn(2, 3, 4, 4), True, 53)
    out["bn2d_untracked_eval"] = bn_case(nn.BatchNorm2d(3, track_running_stats=False), torch.randn(2, 3, 4, 4),
                                         False, 54)
    out["bn2d_f32_train"] = bn_case(nn.BatchNorm2d(3).float(), torch.randn(4, 3, 5, 5).float(), True, 55)
    return out


def lenet():
    torch.manual_seed(60)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    x = torch.rand(4, 1, 28, 28).requires_grad_()
    target = torch.randint(0, 10, (4,))
    logits = model(x)
    loss = F.cross_entropy(logits, target)
    loss.backward()
    return {
        "keys": [k for k, _ in model.named_parameters()],
        "state": model.state_dict(),
        "x": x.detach(),
        "target": target,
        "logits": logits,
        "loss": loss.item(),
        "dx": x.grad,
        "grads": {k: p.grad for k, p in model.named_parameters()},
        "repr": repr(model),
    }


def generate(out_dir):
    write(out_dir / "conv_ops.json", ops())
    write(out_dir / "conv_modules.json", modules())
    write(out_dir / "conv_lenet.json", lenet())

"""Golden values of the Python agreement test (python/tests/test_agreement.py): the networks of
reports 003 and 004 trained for 50 Adam steps in PyTorch from fixed initial weights on fixed
batches, in float64 and float32. The test trains the same networks in minidl from the same
weights on the same batches and compares the 50 losses; with torch installed it also reruns
`torch_losses` live.
"""
import torch

from golden.common import write

STEPS = 50
BATCH = 50
NUM_BATCHES = 10  # the batches are reused in turn


class ShiftedTanh(torch.nn.Module):
    """Report 003's "rectified tanh", 0.5 (1 + tanh x): minidl's nn.ShiftedTanh."""

    def forward(self, x):
        return 0.5 * (1 + torch.tanh(x))


NETWORKS = {
    # report 003: 2-25-25-25-2, ReLU, ReLU, rectified tanh; MSE on one-hot targets; Adam lr 0.005
    "report003": {"activations": ["relu", "relu", "shifted_tanh"], "loss": "mse", "lr": 0.005},
    # report 004 (dropout p = 0, its general-performance run): ReLU, ReLU, Sigmoid; cross entropy; Adam lr 1e-3
    "report004": {"activations": ["relu", "relu", "sigmoid"], "loss": "cross_entropy", "lr": 0.001},
}


def torch_model(spec):
    acts = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid, "shifted_tanh": ShiftedTanh}
    layers = []
    sizes = [2, 25, 25, 25]
    for i, act in enumerate(spec["activations"]):
        layers += [torch.nn.Linear(sizes[i], sizes[i + 1]), acts[act]()]
    layers.append(torch.nn.Linear(25, 2))
    return torch.nn.Sequential(*layers)


def problem():
    """Initial weights (per network) and the batches, all float64."""
    g = torch.Generator().manual_seed(16)
    x = torch.rand(NUM_BATCHES * BATCH, 2, generator=g, dtype=torch.float64)
    labels = ((x - 0.5).pow(2).sum(1) < 1 / (2 * torch.pi)).long()
    out = {"inputs": x, "labels": labels}
    for name, spec in NETWORKS.items():
        torch.manual_seed(3 if name == "report003" else 4)
        model = torch_model(spec).double()
        out[name] = {k: v.detach().clone() for k, v in model.state_dict().items()}
    return out


def torch_losses(p, name, dtype):
    """The 50 training losses of network `name` in PyTorch, from p's weights and batches."""
    spec = NETWORKS[name]
    model = torch_model(spec).to(dtype)
    model.load_state_dict({k: torch.as_tensor(v).to(dtype) for k, v in p[name].items()})
    opt = torch.optim.Adam(model.parameters(), lr=spec["lr"], betas=(0.9, 0.999))
    x = torch.as_tensor(p["inputs"]).to(dtype)
    labels = torch.as_tensor(p["labels"])
    targets = torch.nn.functional.one_hot(labels, 2).to(dtype)
    losses = []
    for step in range(STEPS):
        b = step % NUM_BATCHES
        xb, lb, tb = x[b * BATCH:(b + 1) * BATCH], labels[b * BATCH:(b + 1) * BATCH], targets[b * BATCH:(b + 1) * BATCH]
        out = model(xb)
        loss = torch.nn.functional.mse_loss(out, tb) if spec["loss"] == "mse" else torch.nn.functional.cross_entropy(out, lb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def generate(out_dir):
    torch.set_num_threads(1)
    p = problem()
    content = dict(p)
    for name in NETWORKS:
        for dtype, dname in ((torch.float64, "float64"), (torch.float32, "float32")):
            content[f"{name}_{dname}_losses"] = torch_losses(p, name, dtype)
    write(out_dir / "python_agreement.json", content)

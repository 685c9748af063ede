"""The same networks in minidl and PyTorch from the same initial weights on the same batches: the
losses of 50 Adam steps agree (float64: 1e-10 relative; float32: 1e-5). Against the committed
golden values of tools/golden/python_agreement.py, and live against PyTorch when it is installed."""
import json
import sys

import numpy as np
import pytest

import minidl
from minidl import nn, optim
from minidl.nn import functional as F

STEPS, BATCH, NUM_BATCHES = 50, 50, 10
NETWORKS = {
    "report003": {"activations": [nn.ReLU, nn.ReLU, nn.ShiftedTanh], "loss": "mse", "lr": 0.005},
    "report004": {"activations": [nn.ReLU, nn.ReLU, nn.Sigmoid], "loss": "cross_entropy", "lr": 0.001},
}
TOLERANCE = {"float64": 1e-10, "float32": 1e-5}


def entry(e):
    return np.array(e["data"], dtype=e["dtype"]).reshape(e["shape"])


@pytest.fixture(scope="module")
def golden(source_dir):
    with open(source_dir / "tests" / "golden" / "python_agreement.json") as f:
        return json.load(f)


def minidl_losses(golden, name, dtype):
    spec = NETWORKS[name]
    layers = []
    sizes = [2, 25, 25, 25]
    for i, act in enumerate(spec["activations"]):
        layers += [nn.Linear(sizes[i], sizes[i + 1], dtype=dtype), act()]
    layers.append(nn.Linear(25, 2, dtype=dtype))
    model = nn.Sequential(*layers)
    model.load_state_dict({k: minidl.tensor(entry(v)).to(dtype) for k, v in golden[name].items()})
    opt = optim.Adam(model.parameters(), lr=spec["lr"], betas=(0.9, 0.999))
    x = minidl.tensor(entry(golden["inputs"])).to(dtype)
    labels = minidl.tensor(entry(golden["labels"]))
    targets = F.one_hot(labels, 2).to(dtype)
    losses = []
    for step in range(STEPS):
        rows = slice((step % NUM_BATCHES) * BATCH, (step % NUM_BATCHES + 1) * BATCH)
        out = model(x[rows])
        loss = F.mse_loss(out, targets[rows]) if spec["loss"] == "mse" else F.cross_entropy(out, labels[rows])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def assert_agree(ours, theirs, rel):
    assert len(ours) == len(theirs) == STEPS
    worst = max(abs(a - b) / abs(b) for a, b in zip(ours, theirs))
    assert worst <= rel, f"worst relative difference {worst:.3g} > {rel:g}"
    assert theirs[-1] < theirs[0]  # the run learns: a comparison of two frozen models proves little


@pytest.mark.parametrize("name", sorted(NETWORKS))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_losses_agree_with_pytorch_golden(golden, name, dtype):
    ours = minidl_losses(golden, name, getattr(minidl, dtype))
    assert_agree(ours, golden[f"{name}_{dtype}_losses"], TOLERANCE[dtype])


@pytest.mark.parametrize("name", sorted(NETWORKS))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_losses_agree_with_live_pytorch(torch, golden, source_dir, name, dtype):
    sys.path.insert(0, str(source_dir / "tools"))
    try:
        from golden import python_agreement
    finally:
        sys.path.pop(0)
    problem = {"inputs": entry(golden["inputs"]), "labels": entry(golden["labels"]),
               name: {k: entry(v) for k, v in golden[name].items()}}
    theirs = python_agreement.torch_losses(problem, name, getattr(torch, dtype))
    assert_agree(minidl_losses(golden, name, getattr(minidl, dtype)), theirs, TOLERANCE[dtype])

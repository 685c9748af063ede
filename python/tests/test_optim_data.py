"""optim and data from Python: optimizers with PyTorch's kwargs, parameter groups, schedulers,
closures, DataLoader, the disk and Fashion-MNIST data sets, metrics."""
import os

import pytest

import minidl
from minidl import data, nn, optim


def quadratic():
    w = minidl.tensor([3.0, -2.0], dtype=minidl.float64, requires_grad=True)
    return w, lambda: ((w - 1.0) ** 2).sum()


@pytest.mark.parametrize("make", [
    lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    lambda p: optim.Adam(p, lr=0.1, betas=(0.9, 0.999), amsgrad=True),
    lambda p: optim.AdamW(p, lr=0.1, weight_decay=0.0),
    lambda p: optim.RMSprop(p, lr=0.05, alpha=0.9, centered=True),
])
def test_first_order_optimizers_minimise_a_quadratic(make):
    w, loss_fn = quadratic()
    opt = make([w])
    for _ in range(300):
        opt.zero_grad()
        loss_fn().backward()
        opt.step()
    assert loss_fn().item() < 1e-3


@pytest.mark.parametrize("make", [
    lambda p: optim.LBFGS(p, lr=1, max_iter=20, line_search_fn="strong_wolfe"),
    lambda p: optim.BFGS(p, max_iter=20, line_search_fn="strong_wolfe"),
])
def test_closure_optimizers(make):
    w, loss_fn = quadratic()
    opt = make([w])

    def closure():
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss

    first = opt.step(closure)
    assert first.item() == pytest.approx(13.0)
    assert loss_fn().item() < 1e-8


def test_optimizer_errors_and_groups():
    w = minidl.ones(2, requires_grad=True)
    with pytest.raises(minidl.ValueError, match="lr"):
        optim.Adam([w], lr=-0.1)
    with pytest.raises(TypeError):
        optim.SGD([1.0])
    b = minidl.ones(2, requires_grad=True)
    opt = optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    opt.param_groups[0]["lr"] = 0.2
    assert opt.param_groups[0]["lr"] == 0.2
    sd = opt.state_dict()
    assert any(k.startswith("param_groups") or "lr" in k for k in sd)


def test_schedulers():
    w = minidl.ones(1, requires_grad=True)
    opt = optim.SGD([w], lr=1.0)
    s = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    lrs = []
    for _ in range(5):
        opt.step()
        s.step()
        lrs.append(s.get_last_lr()[0])
    assert lrs == [1.0, 0.5, 0.5, 0.25, 0.25]
    opt2 = optim.SGD([w], lr=1.0)
    lam = optim.lr_scheduler.LambdaLR(opt2, lr_lambda=lambda epoch: 1.0 / (epoch + 1))
    lam.step()
    assert opt2.param_groups[0]["lr"] == pytest.approx(0.5)
    opt3 = optim.SGD([w], lr=1.0, momentum=0.9)
    oc = optim.lr_scheduler.OneCycleLR(opt3, max_lr=1.0, total_steps=10)
    assert oc.get_last_lr()[0] == pytest.approx(1.0 / 25)
    plateau = optim.lr_scheduler.ReduceLROnPlateau(optim.SGD([w], lr=1.0), patience=0, factor=0.5)
    plateau.step(1.0)
    plateau.step(2.0)
    assert plateau.get_last_lr()[0] == pytest.approx(0.5)
    for make in (lambda o: optim.lr_scheduler.ExponentialLR(o, gamma=0.9),
                 lambda o: optim.lr_scheduler.CosineAnnealingLR(o, T_max=10),
                 lambda o: optim.lr_scheduler.PowerDecayLR(o, eta=1.0, kappa=0.5)):
        sched = make(optim.SGD([w], lr=1.0))
        sched.step()
        assert sched.get_last_lr()[0] < 1.0


def test_dataloader_over_the_disk():
    train, val, test = data.make_disk_splits(train_size=100, test_size=50, seed=3, targets="one_hot")
    assert len(train) == 100 and len(val) == 0 and len(test) == 50
    loader = data.DataLoader(train, batch_size=32, shuffle=True, seed=1)
    assert len(loader) == 4
    sizes = []
    for x, y in loader:
        assert x.shape[1] == 2 and y.shape[1] == 2
        sizes.append(x.shape[0])
    assert sizes == [32, 32, 32, 4]
    first = [b.labels.tolist() for b in loader]
    second = [b.labels.tolist() for b in loader]
    assert first != second  # a new order every epoch
    assert data.disk_labels(minidl.tensor([[0.5, 0.5], [0.0, 0.0]])).tolist() == [1, 0]


def test_tensor_dataset_and_metrics():
    x = minidl.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    labels = minidl.tensor([0, 1, 1])
    ds = data.TensorDataset(x, labels, num_classes=2)
    assert len(ds) == 3 and ds.input_shape == (2,)
    (xb, yb), = list(data.DataLoader(ds, batch_size=3))
    assert yb.tolist() == [0, 1, 1]
    assert data.accuracy(x, labels) == pytest.approx(2 / 3)
    assert data.count_correct(x, labels) == 2
    cm = data.ConfusionMatrix(2)
    cm.add(data.predict(x), labels)
    assert cm.count(1, 0) == 1 and cm.total() == 3
    rm = data.RunningMean()
    rm.add(1.0, 2)
    rm.add(4.0)
    assert rm.mean == 2.0


@pytest.mark.skipif(not os.path.isdir("/usr/share/datasets/fashion-mnist"),
                    reason="dataset-fashion-mnist is not installed")
def test_fashion_mnist():
    ds = data.FashionMNIST(train=False, limit=64, flatten=True)
    assert len(ds) == 64 and ds.num_classes == 10 and ds.input_shape == (784,)
    x, y = next(iter(data.DataLoader(ds, batch_size=16)))
    assert x.shape == (16, 784) and y.dtype == minidl.int64
    assert data.FashionMNIST.classes[0] == "T-shirt/top"
    with pytest.raises(minidl.Error, match="nowhere"):
        data.FashionMNIST(root="/nowhere")

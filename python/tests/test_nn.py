"""nn from Python: every layer and loss with PyTorch's keyword names, functional forms, init,
state_dict round trips and safetensors files."""
import numpy as np
import pytest

import minidl
from minidl import nn
from minidl.nn import functional as F


def test_layers_take_pytorch_keywords():
    g = minidl.Generator(0)
    lin = nn.Linear(2, 25, bias=False, generator=g)
    assert lin.bias is None and lin.weight.shape == (25, 2)
    assert repr(lin) == "Linear(in_features=2, out_features=25, bias=false)"
    assert nn.Linear(3, 4, dtype=minidl.float64).weight.dtype == minidl.float64
    assert nn.Linear(3, 4, init="xavier_normal").bias.tolist() == [0, 0, 0, 0]
    conv = nn.Conv2d(1, 4, kernel_size=3, stride=1, padding=1)
    assert conv(minidl.zeros(2, 1, 8, 8)).shape == (2, 4, 8, 8)
    assert nn.MaxPool2d(2)(minidl.zeros(1, 1, 4, 4)).shape == (1, 1, 2, 2)
    assert nn.AvgPool2d(kernel_size=2, stride=2)(minidl.zeros(1, 1, 4, 4)).shape == (1, 1, 2, 2)
    bn = nn.BatchNorm1d(3, eps=1e-5, momentum=0.1)
    assert [k for k, _ in bn.named_buffers()][:2] == ["running_mean", "running_var"]
    assert nn.BatchNorm2d(2)(minidl.randn(2, 2, 3, 3)).shape == (2, 2, 3, 3)
    assert nn.Flatten()(minidl.zeros(2, 3, 4)).shape == (2, 12)
    assert repr(nn.LeakyReLU(negative_slope=0.1)) == "LeakyReLU(negative_slope=0.1)"
    assert repr(nn.Dropout(p=0.25)) == "Dropout(p=0.25)"
    for m in (nn.ReLU(), nn.Tanh(), nn.Sigmoid(), nn.ShiftedTanh(), nn.Identity(), nn.Softmax(dim=1), nn.LogSoftmax(dim=1)):
        assert m(minidl.ones(2, 3)).shape == (2, 3)


def test_sequential_indexing_and_iteration():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(model) == 3
    assert isinstance(model[0], nn.Linear) and isinstance(model[-1], nn.Linear)
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear"]
    assert [k for k, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    model.append(nn.Sigmoid())
    assert len(model) == 4
    with pytest.raises(IndexError):
        model[7]


def test_losses_and_functional():
    x = minidl.tensor([[0.5, -1.0], [2.0, 0.0]])
    y = minidl.tensor([[1.0, 0.0], [0.0, 1.0]])
    assert nn.MSELoss()(x, y).item() == pytest.approx(((0.25 + 1 + 4 + 1) / 4))
    assert nn.MSELoss(reduction="sum")(x, y).item() == pytest.approx(6.25)
    assert nn.L1Loss()(x, y).item() == pytest.approx((0.5 + 1 + 2 + 1) / 4)
    labels = minidl.tensor([0, 1])
    ce = nn.CrossEntropyLoss(label_smoothing=0.1)
    assert ce(x, labels).item() == pytest.approx(F.cross_entropy(x, labels, label_smoothing=0.1).item())
    assert F.nll_loss(F.log_softmax(x, dim=1), labels).item() == pytest.approx(nn.CrossEntropyLoss()(x, labels).item())
    assert nn.BCEWithLogitsLoss()(x, y).item() == pytest.approx(nn.BCELoss()(x.sigmoid(), y).item(), rel=1e-5)
    assert repr(nn.MSELoss()) == "MSELoss()"
    with pytest.raises(minidl.ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")
    assert F.one_hot(labels, 3).tolist() == [[1, 0, 0], [0, 1, 0]]


def test_dropout_train_and_eval():
    d = nn.Dropout(p=0.5, generator=minidl.Generator(1))
    x = minidl.ones(1000)
    y = d(x)
    zeros = sum(1 for v in y.tolist() if v == 0)
    assert 400 < zeros < 600 and max(y.tolist()) == 2.0
    d.eval()
    assert not d.training and d(x).tolist() == x.tolist()


def test_init_functions_are_in_place_and_seeded():
    w = minidl.empty(50, 40)
    nn.init.xavier_uniform_(w, generator=minidl.Generator(3))
    bound = (6 / 90) ** 0.5
    assert max(abs(v) for v in w.tolist()[0]) <= bound
    nn.init.constant_(w, 0.5)
    assert w.sum().item() == pytest.approx(1000)
    a, b = minidl.empty(3), minidl.empty(3)
    nn.init.normal_(a, generator=minidl.Generator(9))
    nn.init.normal_(b, generator=minidl.Generator(9))
    assert a.tolist() == b.tolist()
    assert nn.init.calculate_gain("relu") == pytest.approx(2 ** 0.5)


def test_state_dict_round_trip_and_safetensors(tmp_path):
    a = nn.Sequential(nn.Linear(2, 3, generator=minidl.Generator(1)), nn.ReLU(), nn.Linear(3, 1))
    b = nn.Sequential(nn.Linear(2, 3, generator=minidl.Generator(2)), nn.ReLU(), nn.Linear(3, 1))
    sd = a.state_dict()
    assert list(sd) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    b.load_state_dict(sd)
    assert b[0].weight.tolist() == a[0].weight.tolist()
    path = str(tmp_path / "model.safetensors")
    minidl.save(a.state_dict(), path, metadata={"note": "test"})
    c = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    c.load_state_dict(minidl.load(path))
    assert c[2].bias.tolist() == a[2].bias.tolist()
    assert minidl.load_metadata(path)["note"] == "test"
    with pytest.raises(minidl.ValueError, match="0.weight"):
        nn.Sequential(nn.Linear(2, 4)).load_state_dict(sd)
    with pytest.raises(minidl.Error):
        minidl.load(str(tmp_path / "missing.safetensors"))


def test_module_to_dtype_train_eval_zero_grad():
    m = nn.Sequential(nn.Linear(2, 2), nn.Dropout())
    assert m.double() is m
    assert m[0].weight.dtype == minidl.float64
    m.eval()
    assert not m.training and not m[1].training
    m.train()
    assert m[1].training
    m(minidl.ones(1, 2, dtype=minidl.float64)).sum().backward()
    assert m[0].weight.grad is not None
    m.zero_grad()
    assert m[0].weight.grad.sum().item() == 0


def test_clip_grad_and_summary():
    m = nn.Linear(3, 2)
    (m(minidl.ones(4, 3)) * 100).sum().backward()
    total = nn.utils.clip_grad_norm_(m.parameters(), max_norm=1.0)
    assert total > 1.0
    norm = sum(v * v for p in m.parameters() for v in np.asarray(p.grad).ravel()) ** 0.5
    assert norm == pytest.approx(1.0, rel=1e-4)
    text = nn.summary(nn.Sequential(m, nn.ReLU()), (5, 3))
    assert "Total params: 8" in text


def test_loss_options_take_pytorch_keywords():
    x = minidl.tensor([[0.5, -1.0], [2.0, 0.0]])
    labels = minidl.tensor([0, 1])
    rows = F.cross_entropy(x, labels, reduction="none").tolist()
    w = minidl.tensor([1.0, 3.0])
    assert F.cross_entropy(x, labels, weight=w).item() == pytest.approx((rows[0] + 3 * rows[1]) / 4, rel=1e-6)
    assert F.cross_entropy(x, minidl.tensor([0, -100])).item() == pytest.approx(rows[0], rel=1e-6)
    assert F.nll_loss(F.log_softmax(x, dim=1), minidl.tensor([0, 1]), weight=w, ignore_index=0).item() == \
        pytest.approx(rows[1], rel=1e-6)
    y = minidl.tensor([[1.0, 0.0], [0.0, 1.0]])
    plain = F.binary_cross_entropy_with_logits(x, y).item()
    assert F.binary_cross_entropy_with_logits(x, y, pos_weight=minidl.tensor([1.0, 1.0])).item() == pytest.approx(plain)
    assert F.binary_cross_entropy_with_logits(x, y, pos_weight=minidl.tensor([2.0, 2.0])).item() > plain

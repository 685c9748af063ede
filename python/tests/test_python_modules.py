"""Modules written in Python: attributes register children and parameters, forward is Python,
and such a module works inside a C++ Sequential and the other way round; cycles are collected."""
import gc
import weakref

import pytest

import minidl
from minidl import nn


class Net(nn.Module):
    def __init__(self, hidden=4):
        super().__init__()
        self.fc1 = nn.Linear(2, hidden, generator=minidl.Generator(0))
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(hidden, 1, generator=minidl.Generator(1))
        self.scale = nn.Parameter(minidl.ones(1))
        self.note = "not registered"

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))) * self.scale


class Residual(nn.Module):
    def __init__(self, body):
        super().__init__()
        self.body = body

    def forward(self, x):
        return x + self.body(x)

    def extra_repr(self):
        return "skip=identity"


def test_attributes_register_parameters_and_children():
    net = Net()
    # Own parameters first, then the children's, as PyTorch
    assert [k for k, _ in net.named_parameters()] == ["scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [k for k, _ in net.named_children()] == ["fc1", "act", "fc2"]
    assert list(net.state_dict()) == ["scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert repr(net) == ("Net(\n  (fc1): Linear(in_features=2, out_features=4, bias=true)\n  (act): ReLU()\n"
                         "  (fc2): Linear(in_features=4, out_features=1, bias=true)\n)")
    assert net.note == "not registered"
    assert [name for name, _ in net.named_modules()] == ["", "fc1", "act", "fc2"]


def test_reassigning_and_deleting_members():
    net = Net()
    net.fc2 = nn.Linear(4, 3)
    assert net(minidl.ones(5, 2)).shape == (5, 3)
    assert len(net.parameters()) == 5
    del net.scale
    assert "scale" not in dict(net.named_parameters())


def test_forward_backward_train_eval():
    net = Net()
    y = net(minidl.ones(3, 2))
    assert y.shape == (3, 1)
    y.sum().backward()
    assert net.fc1.weight.grad.shape == (4, 2) and net.scale.grad is not None
    net.eval()
    assert not net.training and not net.fc1.training
    net.train()
    assert net.fc2.training


def test_python_module_inside_cpp_sequential_and_back():
    inner = Residual(nn.Sequential(nn.Linear(3, 3), nn.Tanh()))
    model = nn.Sequential(nn.Linear(2, 3), inner, nn.ReLU(), Residual(nn.Identity()))
    assert [k for k, _ in model.named_parameters()] == ["0.weight", "0.bias", "1.body.0.weight", "1.body.0.bias"]
    assert "(1): Residual(\n    skip=identity" in repr(model) or "Residual(skip=identity" in repr(model)
    x = minidl.randn(4, 2, generator=minidl.Generator(0))
    y = model(x)
    expected = model[0](x)
    expected = (expected + inner.body(expected)).relu()
    assert y.tolist() == (expected + expected).tolist()
    y.sum().backward()
    assert model[1].body[0].weight.grad is not None
    assert model[1] is inner  # the same Python object comes back
    text = nn.summary(model, (4, 2))
    assert "model.1.body.0" in text


def test_python_module_held_only_by_cpp_keeps_its_python_part():
    model = nn.Sequential(Residual(nn.Identity()))
    gc.collect()
    assert model(minidl.ones(1, 2)).tolist() == [[2.0, 2.0]]
    assert type(model[0]).__name__ == "Residual"


def test_errors_inside_python_forward_propagate():
    class Broken(nn.Module):
        def forward(self, x):
            raise KeyError("from forward")

    model = nn.Sequential(nn.Linear(2, 2), Broken())
    with pytest.raises(KeyError, match="from forward"):
        model(minidl.ones(1, 2))


def test_module_without_super_init_is_an_error():
    class NoInit(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="super"):
        NoInit()


def test_reference_cycles_are_collected(collect):
    base = collect()

    def make():
        net = Net()
        net.friends = [net]                        # module -> itself, through a list
        net.params = net.parameters()              # module -> its parameters
        net.hook = lambda x: net(x)                # a closure over the module
        net.sub = Residual(nn.Linear(4, 4))
        object.__setattr__(net.sub, "parent", net)  # child -> parent, unregistered
        return weakref.ref(net), weakref.ref(net.sub)

    refs = make()
    assert collect() == base
    assert all(r() is None for r in refs)


def test_a_module_cannot_contain_itself():
    net = Net()
    with pytest.raises(ValueError, match="cannot loop"):
        net.me = net
    sub = Residual(nn.Identity())
    net.sub = sub
    with pytest.raises(ValueError, match="cannot loop"):
        sub.parent = net


def test_state_dict_of_python_module_round_trips(tmp_path):
    a, b = Net(), Net(hidden=4)
    with minidl.no_grad():
        b.fc1.weight.fill_(0.0)
    path = str(tmp_path / "net.safetensors")
    minidl.save(a.state_dict(), path)
    b.load_state_dict(minidl.load(path))
    assert b.fc1.weight.tolist() == a.fc1.weight.tolist()


def test_python_forward_may_take_and_return_anything_when_called_from_python():
    class Pair(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x, scale=1.0):
            y = self.fc(x) * scale
            return y, y.sum()

    m = Pair()
    y, total = m(minidl.ones(3, 2))
    assert y.shape == (3, 2) and total.shape == ()
    y2, _ = m(minidl.ones(3, 2), scale=2.0)
    assert y2.tolist()[0][0] == pytest.approx(2 * y.tolist()[0][0])
    with pytest.raises(TypeError, match="must return one tensor"):
        nn.Sequential(Pair())(minidl.ones(1, 2))


def test_cpp_layers_take_no_new_attributes_and_register_nothing():
    lin = nn.Linear(2, 2)
    with pytest.raises(AttributeError):
        lin.extra = nn.ReLU()
    assert lin.named_children() == []
    with pytest.raises(AttributeError):
        lin.weight = minidl.zeros(2, 2, requires_grad=True)
    assert len(lin.parameters()) == 2


def test_a_failed_registration_leaves_no_attribute():
    net = Net()
    with pytest.raises(minidl.DtypeError):
        net.register_parameter("w", minidl.tensor([1, 2]))  # int64 cannot require grad
    assert not hasattr(net, "w")

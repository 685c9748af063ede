"""Errors from Python: each kind of library error is its own exception class, also deriving from
the built-in a Python user expects, with the library's message; none aborts the interpreter."""
import signal
import subprocess
import sys

import pytest

import minidl
from minidl import nn, optim


def test_error_classes_by_kind():
    with pytest.raises(minidl.ShapeError, match=r"\(2, 3\).*\(4, 5\)"):
        minidl.zeros(2, 3) @ minidl.zeros(4, 5)
    with pytest.raises(minidl.DtypeError, match="int64"):
        minidl.tensor([1, 2]).requires_grad_()
    with pytest.raises(minidl.ValueError, match="negative size"):
        minidl.zeros(-1)
    with pytest.raises(minidl.IndexError):
        minidl.zeros(2, 2).sum(dim=5)
    with pytest.raises(minidl.AutogradError):
        minidl.ones(3, requires_grad=True).backward()
    for cls, builtin in ((minidl.ShapeError, ValueError), (minidl.DtypeError, TypeError),
                         (minidl.ValueError, ValueError), (minidl.IndexError, IndexError),
                         (minidl.AutogradError, RuntimeError)):
        assert issubclass(cls, minidl.Error) and issubclass(cls, builtin) and issubclass(cls, RuntimeError)


def test_module_errors_name_the_module_path():
    model = nn.Sequential(nn.Linear(2, 25), nn.ReLU(), nn.Linear(25, 24), nn.ReLU(), nn.Linear(25, 1))
    with pytest.raises(minidl.ShapeError) as err:
        model(minidl.zeros(50, 2))
    assert "Linear 'model.4' (in_features=25, out_features=1, bias=true): input has 24 features, expected 25" in str(err.value)
    assert "input shape: (50, 24)" in str(err.value)


def test_failed_calls_leave_state_unchanged():
    w = minidl.ones(2, requires_grad=True)
    with pytest.raises(minidl.ValueError):
        optim.Adam([w], lr=1e-3, betas=(0.9, 1.5))
    model = nn.Linear(2, 2)
    before = model.weight.tolist()
    with pytest.raises(minidl.ValueError):
        model.load_state_dict({"weight": minidl.zeros(3, 3), "bias": minidl.zeros(2)})
    assert model.weight.tolist() == before


def test_python_exceptions_pass_through_cpp():
    class Boom(nn.Module):
        def forward(self, x):
            raise ZeroDivisionError("in forward")

    with pytest.raises(ZeroDivisionError, match="in forward"):
        nn.Sequential(Boom())(minidl.ones(1))
    w = minidl.ones(1, requires_grad=True)
    with pytest.raises(KeyError):
        optim.LBFGS([w]).step(lambda: {}["missing"])


def test_keyboard_interrupt_during_a_closure_optimizer_is_honoured():
    w = minidl.tensor([5.0], dtype=minidl.float64, requires_grad=True)
    opt = optim.LBFGS([w], max_iter=1000, tolerance_grad=0, tolerance_change=0)
    calls = []

    def closure():
        calls.append(1)
        if len(calls) == 3:
            signal.raise_signal(signal.SIGINT)  # Ctrl-C in the middle of step()
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with pytest.raises(KeyboardInterrupt):
        opt.step(closure)
    assert len(calls) <= 4


def test_bad_arguments_raise_instead_of_aborting():
    # In a child process, so that an abort would show as a crash and not take pytest down.
    code = """
import minidl
from minidl import nn
for bad in (lambda: nn.Linear(0, 2), lambda: nn.Dropout(p=1.5), lambda: minidl.tensor('text'),
            lambda: minidl.randn(2, generator='x'), lambda: nn.Sequential(nn.ReLU())[3],
            lambda: minidl.load('/nonexistent'), lambda: minidl.zeros(2)[0:2][5]):
    try:
        bad()
    except Exception as e:
        print(type(e).__name__)  # minidl.ValueError prints as ValueError
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["ValueError", "ValueError", "DtypeError", "TypeError", "IndexError",
                                  "Error", "IndexError"]

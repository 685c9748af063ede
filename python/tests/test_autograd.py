"""Autograd from Python: requires_grad_, backward, .grad, no_grad, detach, gradcheck."""
import pytest

import minidl


def test_backward_fills_grad():
    x = minidl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    assert y.grad_fn is not None and x.is_leaf and not y.is_leaf
    y.backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0]
    (x * 3).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0, 9.0]  # gradients accumulate, as PyTorch
    x.grad = None
    assert x.grad is None


def test_requires_grad_and_detach():
    x = minidl.ones(2).requires_grad_()
    assert x.requires_grad
    d = x.detach()
    assert not d.requires_grad
    assert (d * 2).grad_fn is None
    with pytest.raises(minidl.DtypeError):
        minidl.tensor([1, 2]).requires_grad_()


def test_no_grad_context_and_decorator():
    x = minidl.ones(2, requires_grad=True)
    with minidl.no_grad():
        assert not minidl.is_grad_enabled()
        y = x * 2
        with minidl.no_grad():
            pass
        assert not minidl.is_grad_enabled()
    assert minidl.is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad

    @minidl.no_grad()
    def f(t):
        return t * 2

    assert f(x).grad_fn is None
    assert minidl.is_grad_enabled()


def test_backward_errors_are_autograd_errors():
    x = minidl.ones(2, requires_grad=True)
    y = x * 2
    with pytest.raises(minidl.AutogradError):
        y.backward()  # not a scalar
    z = (x * 2).sum()
    z.backward()
    with pytest.raises(minidl.AutogradError):
        z.backward()  # graph freed
    with pytest.raises(RuntimeError):  # minidl.Error is a RuntimeError
        (x * 2).sum().backward() or z.backward()


def test_gradcheck_accepts_right_and_rejects_wrong_gradients():
    g = minidl.Generator(0)
    a = minidl.randn(3, 4, generator=g, dtype=minidl.float64, requires_grad=True)
    b = minidl.randn(4, 2, generator=g, dtype=minidl.float64, requires_grad=True)
    assert minidl.gradcheck(lambda a, b: (a @ b).tanh(), [a, b])
    # A function whose backward is wrong: detach hides part of the dependence.
    assert not minidl.gradcheck(lambda a: a * a.detach() * a, [a], raise_exception=False)
    with pytest.raises(minidl.AutogradError, match="analytic"):
        minidl.gradcheck(lambda a: a * a.detach(), [a])

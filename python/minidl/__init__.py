"""minidl from Python: tensors with reverse-mode autograd, layers, optimizers and data sets under
PyTorch's names, on the C++ library (the extension minidl._minidl).

    import minidl
    from minidl import nn, optim

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(2, 25)
            self.fc2 = nn.Linear(25, 2)

        def forward(self, x):
            return self.fc2(self.fc1(x).relu())

    model = Net()
    opt = optim.Adam(model.parameters(), lr=1e-3)
    loss = nn.functional.mse_loss(model(x), y)
    opt.zero_grad(); loss.backward(); opt.step()

Tensors share memory with NumPy (np.asarray(t), minidl.from_numpy(a)) and with PyTorch through
DLPack (torch.from_dlpack(t), minidl.from_dlpack(x)).
"""
import sys as _sys

from . import _minidl
from ._minidl import *  # noqa: F401,F403  (Tensor, tensor, zeros, randn, no_grad, the errors, ...)
from ._minidl import Tensor, nn, optim, data  # noqa: F401

__version__ = "0.1.0"

# minidl.nn, minidl.optim, ... are submodules of the extension; register them so that
# `import minidl.nn` and `from minidl.nn import Linear` work as in PyTorch.
for _name, _mod in (("nn", nn), ("nn.functional", nn.functional), ("nn.init", nn.init), ("nn.utils", nn.utils),
                    ("optim", optim), ("optim.lr_scheduler", optim.lr_scheduler), ("data", data)):
    _sys.modules[f"{__name__}.{_name}"] = _mod


# ---- modules written in Python ---------------------------------------------------------------------

def _module_setattr(self, name, value):
    """Assigning a module or a parameter to an attribute registers it under that name, as in PyTorch
    (so parameters(), state_dict(), train()/eval() and print() see it)."""
    register = None
    if isinstance(value, (nn.Module, Tensor)):
        nn._require_init(self)
    if isinstance(value, nn.Module):
        if any(m is self for m in value.modules()):
            raise ValueError(f"{type(self).__name__}.{name}: the module contains {type(self).__name__} itself, "
                             "and a module tree cannot loop; keep such a back reference unregistered with "
                             "object.__setattr__(module, name, value) or a weakref")
        register = self._set_child
    elif isinstance(value, Tensor) and value.requires_grad and value.is_leaf:
        register = self._set_parameter
    # The attribute first: it owns what the registry then points to (and a C++ layer without a
    # __dict__ refuses here, before anything is registered).
    object.__setattr__(self, name, value)
    if register is not None:
        try:
            register(name, value)
        except BaseException:
            object.__delattr__(self, name)
            raise
    elif not name.startswith("_"):
        self._unregister(name)  # a plain value replaces a registered member of that name


def _module_delattr(self, name):
    self._unregister(name)
    object.__delattr__(self, name)


def _named_modules(self, memo=None, prefix=""):
    memo = set() if memo is None else memo
    if id(self) in memo:
        return
    memo.add(id(self))
    yield prefix, self
    for name, child in self.named_children():
        yield from _named_modules(child, memo, f"{prefix}.{name}" if prefix else name)


def _modules(self):
    for _, module in _named_modules(self):
        yield module


def _apply(self, fn):
    for child in self.children():
        child.apply(fn)
    fn(self)
    return self


nn.Module.__setattr__ = _module_setattr
nn.Module.__delattr__ = _module_delattr
nn.Module.named_modules = _named_modules
nn.Module.modules = _modules
nn.Module.apply = _apply


def _parameter(data, requires_grad=True):
    """nn.Parameter(t): a leaf tensor sharing t's memory that requires grad; assigned to a module
    attribute, it becomes a registered parameter."""
    p = data.detach()
    p.requires_grad_(requires_grad)
    return p


nn.Parameter = _parameter


def _no_grad_call(self, func):
    """@minidl.no_grad(): the function runs without recording a graph."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with no_grad():
            return func(*args, **kwargs)

    return wrapper


no_grad.__call__ = _no_grad_call  # noqa: F405


def _tensor_iter(self):
    """Rows of a tensor, as PyTorch: `for row in t` (a 0-d tensor is not iterable)."""
    if self.ndim == 0:
        raise TypeError("iteration over a 0-d tensor")
    return (self[i] for i in range(len(self)))


Tensor.__iter__ = _tensor_iter

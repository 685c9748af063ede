"""Tensors from Python: factories, dtypes, operators, row indexing, printing, and memory shared
with NumPy in both directions, including who keeps the memory alive under gc.collect()."""
import gc
import weakref

import numpy as np
import pytest

import minidl


def test_factories_shapes_and_dtypes():
    assert minidl.zeros(2, 3).shape == (2, 3)
    assert minidl.zeros((2, 3)).shape == (2, 3)
    assert minidl.ones(4, dtype=minidl.float64).dtype == minidl.float64
    assert minidl.full((2,), 7.0).tolist() == [7.0, 7.0]
    assert minidl.tensor([1, 2, 3]).dtype == minidl.int64
    assert minidl.tensor([1.5, 2]).dtype == minidl.float32  # Python floats: float32, as PyTorch
    assert minidl.tensor(np.zeros(3)).dtype == minidl.float64  # a NumPy array keeps its dtype
    assert minidl.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert minidl.arange(5).dtype == minidl.int64
    assert minidl.tensor(3.5).item() == 3.5 and minidl.tensor(3.5).shape == ()
    assert minidl.tensor([[1, 2], [3, 4]]).item.__doc__ is not None or True
    assert repr(minidl.float64) == "minidl.float64" and str(minidl.int64) == "minidl.int64"


def test_random_factories_follow_their_generator():
    a = minidl.randn(3, 4, generator=minidl.Generator(5))
    b = minidl.randn(3, 4, generator=minidl.Generator(5))
    c = minidl.randn(3, 4, generator=minidl.Generator(6))
    assert a.tolist() == b.tolist() and a.tolist() != c.tolist()
    minidl.manual_seed(1)
    x = minidl.rand(10)
    minidl.manual_seed(1)
    assert minidl.rand(10).tolist() == x.tolist()
    assert all(0 <= v < 1 for v in x.tolist())
    assert sorted(minidl.randperm(6, generator=minidl.Generator(0)).tolist()) == list(range(6))


def test_operators_broadcast_and_scalars():
    a = minidl.tensor([[1.0, 2.0], [3.0, 4.0]])
    b = minidl.tensor([10.0, 20.0])
    assert (a + b).tolist() == [[11, 22], [13, 24]]
    assert (2 * a - 1).tolist() == [[1, 3], [5, 7]]
    assert (1 / a).tolist()[0] == [1.0, 0.5]
    assert (a ** 2).tolist()[1] == [9, 16]
    assert (-a).tolist()[0] == [-1, -2]
    assert (a @ a).tolist() == [[7, 10], [15, 22]]
    assert (a > 2).tolist() == [[0, 0], [1, 1]]
    assert a.sum().item() == 10 and a.mean(dim=0).tolist() == [2, 3]
    assert a.t().tolist() == [[1, 3], [2, 4]]
    assert a.reshape(4).tolist() == [1, 2, 3, 4] and a.view(1, 4).shape == (1, 4)
    assert a.argmax(dim=1).tolist() == [1, 1]


def test_indexing_by_rows_shares_memory():
    a = minidl.arange(12, dtype=minidl.float32).reshape(4, 3)
    assert a[1].tolist() == [3, 4, 5]
    assert a[-1].tolist() == [9, 10, 11]
    assert a[1:3].tolist() == [[3, 4, 5], [6, 7, 8]]
    assert a[minidl.tensor([3, 0])].tolist() == [[9, 10, 11], [0, 1, 2]]
    assert a[2, 1].item() == 7
    a[0] = 100.0
    assert a[0].tolist() == [100, 100, 100]
    a[1:3] = minidl.zeros(2, 3)
    assert a.sum().item() == 300 + 9 + 10 + 11
    with pytest.raises(IndexError, match="out of range"):
        a[4]
    with pytest.raises(minidl.IndexError):
        a[-5]
    assert [row.tolist() for row in minidl.ones(2, 2)] == [[1, 1], [1, 1]]  # iteration ends at IndexError


def test_repr_as_pytorch_prints():
    assert repr(minidl.tensor([[1.0, 2.0], [3.0, 4.0]])) == "tensor([[1., 2.],\n        [3., 4.]])"
    assert repr(minidl.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(minidl.tensor([0.5], dtype=minidl.float64)) == "tensor([0.5000], dtype=minidl.float64)"
    x = minidl.ones(2, requires_grad=True)
    assert repr(x) == "tensor([1., 1.], requires_grad=True)"
    assert "grad_fn=" in repr(x * 2)


def test_item_and_tolist_types():
    assert isinstance(minidl.tensor([3]).item(), int)
    assert isinstance(minidl.tensor([3.0]).item(), float)
    with pytest.raises(minidl.ValueError, match="2 elements"):
        minidl.tensor([1.0, 2.0]).item()


def test_numpy_view_of_a_tensor_shares_memory_both_ways():
    t = minidl.zeros(2, 3)
    a = np.asarray(t)  # buffer protocol
    assert a.dtype == np.float32 and a.shape == (2, 3)
    a[1, 2] = 5.0
    assert t[1].tolist() == [0, 0, 5]
    t[0] = 2.0
    assert a[0].tolist() == [2, 2, 2]
    n = t.numpy()
    n[0, 0] = -1
    assert t[0, 0].item() == -1


def test_from_numpy_shares_memory_both_ways():
    a = np.arange(6, dtype=np.float64).reshape(2, 3)
    t = minidl.from_numpy(a)
    assert t.dtype == minidl.float64 and t.shape == (2, 3)
    a[0, 0] = 42
    assert t[0, 0].item() == 42
    t[1] = 7.0
    assert a[1].tolist() == [7, 7, 7]
    assert minidl.from_numpy(np.zeros(3, dtype=np.int64)).dtype == minidl.int64


def test_from_numpy_refuses_what_it_cannot_share():
    with pytest.raises(minidl.ValueError, match="not C-contiguous"):
        minidl.from_numpy(np.zeros((3, 4))[:, ::2])
    with pytest.raises(minidl.DtypeError, match="int32"):
        minidl.from_numpy(np.zeros(3, dtype=np.int32))
    with pytest.raises(TypeError):  # DtypeError is also a TypeError
        minidl.from_numpy(np.zeros(3, dtype=np.int32))


def test_tensor_outlives_its_numpy_array(collect):
    base = collect()
    a = np.arange(1000, dtype=np.float32)
    ref = weakref.ref(a.base) if a.base is not None else None
    t = minidl.from_numpy(a)
    del a
    collect()
    assert t.sum().item() == sum(range(1000))  # the tensor keeps the array alive
    assert ref is None or ref() is not None
    del t
    assert collect() == base


def test_numpy_array_outlives_its_tensor(collect):
    base = collect()
    t = minidl.arange(0.0, 100.0, 1.0)
    a = np.asarray(t)
    n = t.numpy()
    del t
    collect()
    assert collect() == base + 1  # the storage lives on in the arrays
    assert a.sum() == n.sum() == sum(range(100))
    del a
    collect()
    assert collect() == base + 1
    del n
    assert collect() == base


def test_numpy_arrays_are_released_with_the_last_tensor():
    a = np.ones(10, dtype=np.float32)
    before = len(gc.get_referrers(a)) if False else None  # noqa: F841
    import sys
    count = sys.getrefcount(a)
    t = minidl.from_numpy(a)
    v = t[2:5]  # a view keeps the memory too
    assert sys.getrefcount(a) == count + 1
    del t
    gc.collect()
    assert sys.getrefcount(a) == count + 1
    del v
    gc.collect()
    assert sys.getrefcount(a) == count


def test_tensor_copies_and_conversions():
    a = np.arange(4.0)
    t = minidl.tensor(a)
    a[0] = 9
    assert t[0].item() == 0  # tensor() copies
    assert t.to(minidl.float32).dtype == minidl.float32
    assert t.float().dtype == minidl.float32 and t.long().dtype == minidl.int64


def test_inplace_arithmetic():
    a = minidl.ones(3)
    alias = a
    a += 1
    a *= 3
    assert alias.tolist() == [6, 6, 6]
    w = minidl.ones(3, requires_grad=True)
    with pytest.raises(minidl.AutogradError, match="no_grad"):
        w -= 1
    with minidl.no_grad():
        w -= 0.5
    assert w.tolist() == [0.5, 0.5, 0.5]

"""DLPack with PyTorch: torch.from_dlpack(t) and minidl.from_dlpack(x) share memory, with the same
ownership rules as PyTorch (the consumer keeps the producer's memory alive). These tests need
PyTorch and are skipped, saying so, without it; the capsule round trip needs only minidl."""
import gc

import pytest

import minidl


def test_capsule_round_trip_without_torch(collect):
    base = collect()
    t = minidl.arange(0.0, 6.0, 1.0).reshape(2, 3)
    u = minidl.from_dlpack(t)  # through t.__dlpack__()
    u[0] = -1.0
    assert t[0].tolist() == [-1, -1, -1]
    del t
    collect()
    assert u.sum().item() == -3 + 12
    capsule = minidl.to_dlpack(u)
    v = minidl.from_dlpack(capsule)
    with pytest.raises(minidl.ValueError, match="unconsumed"):
        minidl.from_dlpack(capsule)  # a capsule is consumed once
    del u, v, capsule
    assert collect() == base
    unused = minidl.to_dlpack(minidl.ones(3))  # dropped without a consumer: freed by the capsule
    del unused
    assert collect() == base


def test_torch_reads_minidl_memory(torch, collect):
    base = collect()
    t = minidl.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=minidl.float64)
    x = torch.from_dlpack(t)
    assert x.dtype == torch.float64 and tuple(x.shape) == (2, 2)
    x[0, 0] = 10.0
    assert t[0, 0].item() == 10.0
    t[1] = 0.0
    assert x[1].tolist() == [0.0, 0.0]
    del t
    collect()
    assert x.sum().item() == 12.0  # torch keeps minidl's storage alive
    del x
    assert collect() == base


def test_minidl_reads_torch_memory(torch, collect):
    base = collect()
    x = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    t = minidl.from_dlpack(x)
    assert t.dtype == minidl.float32 and t.shape == (2, 3)
    t[0] = 7.0
    assert x[0].tolist() == [7.0, 7.0, 7.0]
    del x
    gc.collect()
    assert t.sum().item() == 21 + 12  # minidl keeps torch's storage alive
    assert minidl.from_dlpack(torch.tensor([1, 2])).dtype == minidl.int64
    with pytest.raises(minidl.DtypeError):
        minidl.from_dlpack(torch.zeros(2, dtype=torch.int32))
    with pytest.raises(minidl.ValueError, match="contiguous"):
        minidl.from_dlpack(torch.zeros(3, 4).t())
    del t
    assert collect() == base

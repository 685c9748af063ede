"""Shared writer for golden files: {"key": {"dtype", "shape", "data"}, "key2": number, ...}.

Floats are written with repr (17 significant digits), so float64 values round-trip exactly;
tests/support/golden.h reads them. Non-finite values are written as strings ("inf", "nan").
"""
import json
import math

import torch

torch.set_default_dtype(torch.float64)


def _number(v):
    if isinstance(v, float) and not math.isfinite(v):
        return repr(v)
    return v


def tensor_entry(t):
    t = t.detach().cpu()
    dtype = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64"}[t.dtype]
    values = t.reshape(-1).tolist()
    return {"dtype": dtype, "shape": list(t.shape), "data": [_number(v) for v in values]}


def encode(value):
    """Tensors become entries; dicts and lists are encoded recursively; numbers stay numbers."""
    if isinstance(value, torch.Tensor):
        return tensor_entry(value)
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    return _number(value)


def write(path, content):
    with open(path, "w") as f:
        json.dump(encode(content), f, indent=None, separators=(",", ":"))
        f.write("\n")

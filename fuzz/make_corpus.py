#!/usr/bin/env python3
"""Writes the fuzzer's seed corpus, fuzz/corpus/: small valid safetensors files and one broken file
per rejection rule (the fuzzer mutates from both sides of the border). Plain Python, no torch.
Usage: python3 fuzz/make_corpus.py"""
import json
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
SIZES = {"F32": 4, "F64": 8, "I64": 8}
FORMATS = {"F32": "<f", "F64": "<d", "I64": "<q"}


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def build(tensors, metadata=None, pad=True):
    """tensors: [(name, dtype, shape, values)] -> valid bytes."""
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, values in tensors:
        data = b"".join(struct.pack(FORMATS[dtype], v) for v in values)
        assert len(data) == numel(shape) * SIZES[dtype]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    return raw(json.dumps(header, separators=(",", ":")), b"".join(blobs), pad)


def raw(header_text, data, pad=False):
    h = header_text if isinstance(header_text, bytes) else header_text.encode()
    if pad:
        h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


def main():
    os.makedirs(OUT, exist_ok=True)
    w = ("0.weight", "F32", [2, 3], [0.5, -1.0, 2.0, 3.5, 0.0, -0.25])
    b = ("0.bias", "F64", [2], [1e-300, -7.0])
    n = ("step", "I64", [], [12])
    e = ("empty", "F32", [0, 4], [])
    valid = {
        "valid_model": build([w, b]),
        "valid_all_dtypes": build([w, b, n, e], {"format": "pt", "epoch": "3"}),
        "valid_scalar": build([n]),
        "valid_empty_tensor": build([e]),
        "valid_nothing": build([]),
        "valid_unpadded": build([w, n], pad=False),
        "valid_checkpoint": build([("model.w", "F32", [1], [1.0]), ("optimizer.step", "I64", [], [3])],
                                  {"minidl.format": "minidl-checkpoint-1", "minidl.parts": "model,optimizer",
                                   "minidl.counter.epoch": "2", "minidl.generator.s0": "1",
                                   "minidl.generator.spare": "3ff0000000000000"}),
    }
    f8 = struct.pack("<2f", 1.0, 2.0)
    t = '{"w":{"dtype":"F32","shape":%s,"data_offsets":%s}}'
    broken = {
        "bad_short": b"\x05\x00\x00",
        "bad_header_too_large": struct.pack("<Q", 1 << 40) + b"{}",
        "bad_header_past_end": struct.pack("<Q", 64) + b"{}",
        "bad_json": raw('{"w":{"dtype":"F32",', b""),
        "bad_not_object": raw("[1,2]", b""),
        "bad_duplicate_tensor": raw('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
                                    '"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}', f8 + f8),
        "bad_duplicate_field": raw('{"w":{"dtype":"F32","dtype":"F64","shape":[2],"data_offsets":[0,8]}}', f8),
        "bad_duplicate_metadata": raw('{"__metadata__":{"a":"1","a":"2"}}', b""),
        "bad_metadata_number": raw('{"__metadata__":{"a":1}}', b""),
        "bad_dtype": raw('{"w":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}}', f8),
        "bad_negative_shape": raw(t % ("[-2]", "[0,8]"), f8),
        "bad_float_shape": raw(t % ("[2.0]", "[0,8]"), f8),
        "bad_shape_overflow": raw(t % ("[4294967296,4294967296]", "[0,0]"), b""),
        "bad_too_many_dims": raw(t % ("[1,1,1,1,1,1,1,1,2]", "[0,8]"), f8),
        "bad_offsets_past_end": raw(t % ("[4]", "[0,16]"), f8),
        "bad_offsets_reversed": raw(t % ("[2]", "[8,0]"), f8),
        "bad_offsets_mismatch": raw(t % ("[3]", "[0,8]"), f8),
        "bad_gap": raw('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
                       '"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}', f8 + b"\0" * 4),
        "bad_overlap": raw('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
                           '"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', f8),
        "bad_trailing": raw(t % ("[2]", "[0,8]"), f8 + b"xyz"),
        "bad_unknown_field": raw('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}}', f8),
        "bad_missing_field": raw('{"w":{"dtype":"F32","shape":[2]}}', f8),
        "bad_deep": raw('{"w":{"shape":[[[[1]]]]}}', b""),
        "bad_utf8": raw(b'{"w\xff":1}', b""),
    }
    for name, data in {**valid, **broken}.items():
        with open(os.path.join(OUT, name + ".safetensors"), "wb") as f:
            f.write(data)
    print(f"wrote {len(valid)} valid and {len(broken)} broken files to {OUT}")


if __name__ == "__main__":
    main()

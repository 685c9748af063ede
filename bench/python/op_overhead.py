#!/usr/bin/python3
"""The cost of one op call from Python, minidl against PyTorch: the median time per call of tiny
ops, where the arithmetic is nothing and the call is everything (argument conversion, dispatch,
result object, graph node). Prints one JSON object of nanoseconds per call.

    PYTHONPATH=build/python /usr/bin/python3 bench/python/op_overhead.py --framework minidl
"""
import argparse
import json
import statistics
import time


def per_call(fn, calls=20000, repeats=7):
    samples = []
    for _ in range(repeats):
        start = time.perf_counter_ns()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter_ns() - start) / calls)
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--framework", choices=["minidl", "torch"], default="minidl")
    args = parser.parse_args()
    if args.framework == "minidl":
        import minidl as lib
        from minidl import nn
        lib.set_num_threads(1)
        a, b = lib.ones(1), lib.ones(1)
        w = lib.ones(1, requires_grad=True)
        x = lib.ones(1, 2)
    else:
        import torch as lib
        nn = lib.nn
        lib.set_num_threads(1)
        a, b = lib.ones(1), lib.ones(1)
        w = lib.ones(1, requires_grad=True)
        x = lib.ones(1, 2)
    linear = nn.Linear(2, 2)
    empty = lambda: None  # noqa: E731  the loop's own cost, subtracted
    base = per_call(empty)
    result = {
        "framework": args.framework,
        "add (no grad)": per_call(lambda: a + b) - base,
        "add (records a node)": per_call(lambda: w + b) - base,
        "relu": per_call(lambda: a.relu()) - base,
        "Linear(2, 2) call": per_call(lambda: linear(x)) - base,
        "sum().item()": per_call(lambda: a.sum().item()) - base,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""PyTorch side of the single-sample inference benchmark: one forward of the disk network
(2-25-25-25-2 ReLU) on one point, under torch.no_grad(), in microseconds (median of 20 batches
of 1000 calls). Prints one JSON object."""
import json
import statistics
import time

import torch

torch.set_num_threads(1)
model = torch.nn.Sequential(
    torch.nn.Linear(2, 25), torch.nn.ReLU(), torch.nn.Linear(25, 25), torch.nn.ReLU(),
    torch.nn.Linear(25, 25), torch.nn.ReLU(), torch.nn.Linear(25, 2)).eval()
x = torch.rand(1, 2)
times = []
with torch.no_grad():
    for _ in range(200):
        model(x)
    for _ in range(20):
        start = time.perf_counter()
        for _ in range(1000):
            model(x)
        times.append((time.perf_counter() - start) / 1000 * 1e6)
print(json.dumps({"microseconds": statistics.median(times)}))

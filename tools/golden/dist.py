"""PyTorch DistributedDataParallel over gloo, 2 processes: the reference of minidl's DataParallel.

The float64 disk-style network and data below train for 2 epochs with DistributedSampler
(shuffle off: torch's generator is not minidl's; 47 examples, so the sampler pads one by wrapping
around) and per-rank batches of 5 (the last one 4), SGD with momentum. tests/dist/mpi_worker.cpp
(scenario ddp_golden) starts from the same weights on 2 ranks and must end at the same weights.
"""
import os
import socket
import tempfile

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

from golden.common import write

N, BATCH, EPOCHS, WORLD = 47, 5, 2, 2


def problem():
    g = torch.Generator().manual_seed(17)
    x = torch.rand(N, 2, generator=g, dtype=torch.float64)
    labels = ((x - 0.5).pow(2).sum(1) < 0.15).long()
    torch.manual_seed(3)
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2)).double()
    return x, labels, model


def worker(rank, init_file, out_file):
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=WORLD)
    x, labels, model = problem()
    ddp = DistributedDataParallel(model)
    sampler = DistributedSampler(TensorDataset(x, labels), num_replicas=WORLD, rank=rank, shuffle=False)
    loader = DataLoader(TensorDataset(x, labels), batch_size=BATCH, sampler=sampler)
    opt = torch.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    for epoch in range(EPOCHS):
        sampler.set_epoch(epoch)
        for xb, yb in loader:
            opt.zero_grad()
            loss_fn(ddp(xb), yb).backward()
            opt.step()
    if rank == 0:
        torch.save({k: v.clone() for k, v in model.state_dict().items()}, out_file)
    dist.destroy_process_group()


def generate(out_dir):
    x, labels, model = problem()
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    with tempfile.TemporaryDirectory() as tmp:
        out_file = os.path.join(tmp, "final.pt")
        mp.spawn(worker, args=(os.path.join(tmp, "init"), out_file), nprocs=WORLD, join=True)
        final = torch.load(out_file)
    write(out_dir / "dist_ddp.json", {
        "inputs": x, "labels": labels, "batch_size": BATCH, "epochs": EPOCHS, "world_size": WORLD,
        "lr": 0.1, "momentum": 0.9, "initial": initial, "final": final,
    })

#!/usr/bin/env python3
"""The scaling model of docs/DISTRIBUTED.md: for each shipped network, the compute of one step
(measured here: `minidl train` on one thread) against a ring all-reduce of its gradient (the
alpha-beta model) at 2 to 64 nodes over 10 and 100 Gbit/s Ethernet, and the batch per node below
which communication costs more than compute. Plain python3 (no torch); needs build/tools/minidl.

  python3 tools/scaling_model.py            # measures the networks (about a minute), prints the tables
  python3 tools/scaling_model.py --write    # and rewrites the SCALING block of docs/DISTRIBUTED.md

The loopback latency and bandwidth are read from the MPI block of bench/RESULTS.md
(bench/compare.sh --mpi-only); the Ethernet figures are assumptions, named as such in the output.
"""
import json
import os
import pathlib
import re
import resource
import struct
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
MINIDL = ROOT / "build" / "tools" / "minidl" / "minidl"
NODES = (2, 4, 8, 16, 32, 64)
COOKIE = "/usr/share/games/fortunes/cookie"

# (name, config, overrides for a short measurement run, key of summary.json with examples per second)
NETWORKS = (
    ("disk", "disk.toml", ["train.epochs=1000"], "samples_per_second"),
    ("Fashion MLP", "fashion-mlp.toml", ["data.train_limit=20000", "data.test_limit=1000", "train.epochs=1"],
     "samples_per_second"),
    ("LeNet", "bench-fashion-lenet.toml", ["data.train_limit=20000", "data.test_limit=1000", "train.epochs=1"],
     "samples_per_second"),
    ("Fashion CNN", "fashion-cnn.toml", ["data.train_limit=10000", "data.test_limit=1000", "train.epochs=1"],
     "samples_per_second"),
    # The shipped config sets both optimizer.lr and scheduler.max_lr; a constant rate times the same.
    ("Fashion LSTM", "fashion-lstm.toml", ["data.train_limit=10000", "data.test_limit=1000", "train.epochs=1",
                                           "scheduler.name=none"], "samples_per_second"),
    ("chars LSTM", "chars-lstm.toml", [f"data.path={COOKIE}", "train.epochs=1"], "sequences_per_second"),
)

# Assumed links: (name, latency in seconds, bandwidth in bytes/s). Typical MPI-over-TCP figures:
# 10 GbE about 25 us per message and 1.1 GB/s (90% of the line rate); 100 GbE about 10 us and
# 11 GB/s (TCP on one stream rarely fills 100 Gbit/s; RDMA would cut the latency to 2-3 us).
LINKS = (("10 Gbit/s Ethernet (assumed: 25 us, 1.1 GB/s)", 25e-6, 1.1e9),
         ("100 Gbit/s Ethernet (assumed: 10 us, 11 GB/s)", 10e-6, 11e9))


def parameters_of(safetensors_path):
    """Trainable parameters and their bytes per element, from a model.safetensors header (batch norm's
    running statistics and counters are buffers, not gradients)."""
    data = pathlib.Path(safetensors_path).read_bytes()
    (header_length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_length])
    count, element_bytes = 0, 4
    for name, entry in header.items():
        if name == "__metadata__" or re.search(r"running_(mean|var)$|num_batches_tracked$", name):
            continue
        numel = 1
        for size in entry["shape"]:
            numel *= size
        count += numel
        element_bytes = {"F32": 4, "F64": 8}.get(entry["dtype"], 4)
    return count, element_bytes


def measure(config, sets, key):
    """One-thread examples per CPU-second, the share of a core the run got, the batch size and the
    parameters of one short training. On a shared machine a one-thread process gets only part of a
    core, so the wall-clock rate of summary.json is divided by that share (the process's CPU time
    over its wall time): the rate on a core of its own, which is what a cluster node gives."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "run"
        cmd = [str(MINIDL), "train", str(ROOT / "configs" / config), "--threads", "1", "--quiet", "--out", str(out)]
        for s in sets:
            cmd += ["--set", s]
        before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
        wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
        share = min(1.0, ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)) / wall)
        summary = json.loads((out / "summary.json").read_text())
        params, element_bytes = parameters_of(out / "model.safetensors")
    batch = int(re.search(r"^batch_size\s*=\s*(\d+)", (ROOT / "configs" / config).read_text(), re.M).group(1))
    return summary[key] / share, share, batch, params, element_bytes


def loopback():
    """(latency s, bandwidth bytes/s, text) from the all_reduce table of bench/RESULTS.md's MPI block.
    On 2 ranks a ring all-reduce takes 2 alpha + n / beta: alpha is half the smallest message's time,
    beta the best n / (t - 2 alpha) of the messages of 64 kB and more (the largest are stated too:
    on a shared machine they are slower than the link)."""
    text = (ROOT / "bench" / "RESULTS.md").read_text()
    block = re.search(r"<!-- MPI GENERATED BEGIN -->(.*?)<!-- MPI GENERATED END -->", text, re.S)
    rows = [(int(b), float(us) * 1e-6) for b, us in
            re.findall(r"^\| (\d+) \| ([\d.]+) \| [\d.]+ \|$", block.group(1) if block else "", re.M)]
    if not rows:
        sys.exit("no all_reduce table in bench/RESULTS.md: run bench/compare.sh --mpi-only first")
    alpha = rows[0][1] / 2
    best = max((b / (t - 2 * alpha), b, t) for b, t in rows if b >= 65536)
    measured = re.search(r"Measured ([\d-]+ [\d:]+)", block.group(1))
    return alpha, best[0], (f"{rows[0][1] * 1e6:.1f} us for {rows[0][0]} B, {best[2] * 1e6:.1f} us for {best[1] >> 10} KiB "
                            f"(the best bandwidth), {rows[-1][1] * 1e3:.1f} ms for {rows[-1][0] >> 20} MiB"
                            + (f"; measured {measured.group(1)}" if measured else ""))


def ring(p, alpha, beta, grad_bytes):
    """Ring all-reduce: a reduce-scatter and an all-gather, each p - 1 messages of grad_bytes / p."""
    return 2 * (p - 1) * alpha + 2 * (p - 1) / p * grad_bytes / beta


def gather(p, alpha, beta, grad_bytes):
    """minidl's exact all-reduce today: every rank receives the p - 1 other gradients whole."""
    return (p - 1) * alpha + (p - 1) * grad_bytes / beta


def breakeven(seconds, network):
    """The batch per node whose compute takes `seconds`."""
    b = seconds / network["per_sample"]
    return "<1" if b < 1 else f"{b:,.0f}"


def tables(networks, lb):
    alpha_lb, beta_lb, lb_text = lb
    out = [f"Measured {time.strftime('%Y-%m-%d %H:%M')} by `python3 tools/scaling_model.py --write`; "
           "compute: one short `minidl train` per network on one thread (`build/tools/minidl/minidl info --system` "
           "names the CPU and kernels, bench/RESULTS.md lists them), its wall-clock samples/s divided by the share of "
           "a core it got on this shared machine; parameters from its model.safetensors. For the chars LSTM a sample "
           "is a sequence of 64 characters.", "",
           "| network | config | parameters | gradient | samples/s (1 thread, per CPU-second) | share of a core "
           "it got | batch | compute per step |",
           "|---|---|---|---|---|---|---|---|"]
    for n in networks:
        out.append(f"| {n['name']} | configs/{n['config']} | {n['params']:,} | {n['grad_bytes'] / 1e3:,.1f} kB | "
                   f"{n['rate']:,.0f} | {n['share']:.0%} | {n['batch']} | {n['step'] * 1e3:.3f} ms |")
    out += ["", f"Inputs of the alpha-beta model. **Measured** on this machine: loopback between 2 processes "
            f"(Open MPI shared memory, `dist::all_reduce` of bench/RESULTS.md: {lb_text}): latency alpha = "
            f"{alpha_lb * 1e6:.1f} us, bandwidth beta = {beta_lb / 1e9:.2f} GB/s. "
            "**Assumed**, typical for MPI over TCP: " + "; ".join(name for name, _, _ in LINKS) + ".", "",
            "Each cell: ring all-reduce time per step, then the batch per node at which compute equals it "
            "(below it, communication costs more than compute and adding nodes stops paying), then the "
            "efficiency at the config's batch per node (compute / (compute + communication), no overlap).", ""]
    for name, alpha, beta in LINKS:
        out += [f"**{name}**", "", "| network | " + " | ".join(f"{p} nodes" for p in NODES) + " |",
                "|---|" + "---|" * len(NODES)]
        for n in networks:
            cells = []
            for p in NODES:
                t = ring(p, alpha, beta, n["grad_bytes"])
                cells.append(f"{t * 1e3:.3g} ms, {breakeven(t, n)}, {n['step'] / (n['step'] + t):.0%}")
            out.append(f"| {n['name']} | " + " | ".join(cells) + " |")
        out.append("")
    out += ["minidl's exact all-reduce today gathers every rank's whole gradient (p - 1 times the bytes where "
            "the ring moves about 2): the batch per node where its communication equals compute, "
            "at 8 and 64 nodes:", "",
            "| network | " + " | ".join(f"{name.split(' (')[0]}, {p} nodes" for name, _, _ in LINKS for p in (8, 64)) + " |",
            "|---|" + "---|" * (2 * len(LINKS))]
    for n in networks:
        cells = [breakeven(gather(p, alpha, beta, n['grad_bytes']), n) for _, alpha, beta in LINKS for p in (8, 64)]
        out.append(f"| {n['name']} | " + " | ".join(cells) + " |")
    return out


def main():
    lb = loopback()
    networks = []
    for name, config, sets, key in NETWORKS:
        rate, share, batch, params, element_bytes = measure(config, sets, key)
        networks.append(dict(name=name, config=config, rate=rate, share=share, batch=batch, params=params,
                             grad_bytes=params * element_bytes, per_sample=1 / rate, step=batch / rate))
        print(f"{name}: {rate:.0f}/s, batch {batch}, {params} parameters", file=sys.stderr, flush=True)
    lines = tables(networks, lb)
    print("\n".join(lines))
    if "--write" in sys.argv:
        path = ROOT / "docs" / "DISTRIBUTED.md"
        text = path.read_text()
        begin, end = "<!-- SCALING BEGIN -->", "<!-- SCALING END -->"
        if begin not in text:
            sys.exit(f"no {begin} marker in {path}")
        block = begin + "\n" + "\n".join(lines) + "\n" + end
        path.write_text(re.sub(re.escape(begin) + ".*" + re.escape(end), lambda _: block, text, flags=re.S))
        print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""minidl from Python against PyTorch: the disk training loop written in Python (disk_loop.py) at
batch 1, 50 and 1000 on one thread, and the cost of one op call (op_overhead.py). Runs the two
sides alternately, each in a fresh process, and reports the range and the median of the
repetitions (the machine is shared: ranges, not single figures). Rewrites its own section of
bench/RESULTS.md. Run by bench/compare.sh; alone:

    /usr/bin/python3 bench/python/compare_python.py [--quick]
"""
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1].parent
HERE = ROOT / "bench" / "python"
QUICK = "--quick" in sys.argv
REPS = 1 if QUICK else 5
EPOCHS = {"minidl": {1: 5, 50: 100, 1000: 300}, "torch": {1: 1, 50: 10, 1000: 30}}
TARGET_AT_50 = 5.0


def env():
    return dict(os.environ, PYTHONPATH=str(ROOT / "build" / "python"), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")


def run(script, *args):
    out = subprocess.run(["/usr/bin/python3", str(HERE / script), *args], check=True, env=env(),
                         capture_output=True, text=True).stdout
    return json.loads(out)


def cpu_name():
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def spread(values, fmt):
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def main():
    rows = []
    for batch in (1, 50, 1000):
        m, t = [], []
        for _ in range(REPS):  # alternate, so a drift of the machine hits both sides
            for fw, out in (("minidl", m), ("torch", t)):
                out.append(run("disk_loop.py", "--framework", fw, "--batch", str(batch), "--epochs",
                               str(EPOCHS[fw][batch]))["epochs_per_second"])
        ratios = [a / b for a, b in zip(m, t)]
        rows.append((batch, m, t, ratios))
        print(f"batch {batch}: minidl {spread(m, '{:.1f}')} epochs/s, PyTorch {spread(t, '{:.2f}')}, "
              f"ratio {spread(ratios, '{:.1f}')}", flush=True)
    overhead = {"minidl": [], "torch": []}
    for _ in range(max(1, REPS // 2)):
        for fw in overhead:
            overhead[fw].append(run("op_overhead.py", "--framework", fw))
    ops = [k for k in overhead["minidl"][0] if k != "framework"]

    at50 = statistics.median(rows[1][3])
    lines = [f"Measured {time.strftime('%Y-%m-%d')} on {cpu_name()} ({os.cpu_count()} cores, shared with other "
             f"work: figures are the median and the range of {REPS} alternating runs), one thread. "
             "Command: `bench/python/compare_python.py` (run by `bench/compare.sh`).", "",
             "The disk training loop written in Python (bench/python/disk_loop.py: 2-25-25-25-2 ReLU, MSE on one-hot "
             "targets, SGD momentum 0.9, each framework's DataLoader with shuffling; the same loop text on both), "
             "epochs/s:", "",
             "| batch | minidl from Python | PyTorch | ratio |", "|---|---|---|---|"]
    for batch, m, t, ratios in rows:
        lines.append(f"| {batch} | {spread(m, '{:.1f}')} | {spread(t, '{:.2f}')} | {spread(ratios, '{:.1f}')}x |")
    lines += ["", f"Target: at least {TARGET_AT_50:.0f}x PyTorch at batch 50 from Python: "
              f"{'met' if at50 >= TARGET_AT_50 else 'NOT met'} ({at50:.1f}x).", "",
              "Cost of one op call from Python, ns per call (bench/python/op_overhead.py: 1-element tensors, so the "
              "call is all there is; median of medians):", "",
              "| call | minidl | PyTorch | ratio |", "|---|---|---|---|"]
    for op in ops:
        a = statistics.median(r[op] for r in overhead["minidl"])
        b = statistics.median(r[op] for r in overhead["torch"])
        lines.append(f"| `{op}` | {a:.0f} | {b:.0f} | {b / a:.1f}x |")
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text()
    block = "<!-- PYTHON GENERATED BEGIN -->\n" + "\n".join(lines) + "\n<!-- PYTHON GENERATED END -->"
    if "<!-- PYTHON GENERATED BEGIN -->" in text:
        text = re.sub(r"<!-- PYTHON GENERATED BEGIN -->.*<!-- PYTHON GENERATED END -->", lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n## minidl from Python against PyTorch (`bench/python/compare_python.py`)\n\n" + \
            block + "\n"
    path.write_text(text)
    print("\n".join(lines))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""The body of bench/compare.sh: runs each workload on both sides, alternating, and reports
medians and ratios. Writes the table between the GENERATED markers of bench/RESULTS.md, and the
MPI rows (minidl on 1 and 2 processes, no PyTorch side) between the MPI GENERATED markers;
--mpi-only runs those alone."""
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
MINIDL = ROOT / "build" / "tools" / "minidl" / "minidl"
CONFIG = ROOT / "configs" / "bench-disk.toml"
PEERS = ROOT / "bench" / "peers"
QUICK = "--quick" in sys.argv
REPS = 1 if QUICK else 3
# --blas-kernel NAME pins OpenBLAS's kernels on both sides (OPENBLAS_CORETYPE=NAME, e.g. Prescott
# or Haswell): the machine where OpenBLAS picked kernels older than the CPU, measured anywhere.
BLAS_KERNEL = sys.argv[sys.argv.index("--blas-kernel") + 1] if "--blas-kernel" in sys.argv else None
MARKER = f"EMULATED {BLAS_KERNEL}" if BLAS_KERNEL else "GENERATED"
MPI_ONLY = "--mpi-only" in sys.argv
ALLREDUCE_BENCH = ROOT / "build" / "bench" / "bench_mpi_allreduce"


def env(threads):
    e = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    if BLAS_KERNEL:
        e["OPENBLAS_CORETYPE"] = BLAS_KERNEL
    return e


def minidl_train(batch, optimizer, lr, epochs, threads, extra=()):
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "run"
        cmd = [str(MINIDL), "train", str(CONFIG), "--set", f"train.batch_size={batch}", "--set",
               f"optimizer.name={optimizer}", "--set", f"optimizer.lr={lr}", "--set", f"train.epochs={epochs}",
               "--threads", str(threads), "--quiet", "--out", str(out), *extra]
        subprocess.run(cmd, check=True, env=env(threads), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return json.loads((out / "summary.json").read_text())


def torch_train(batch, optimizer, lr, epochs, threads, loader):
    cmd = ["/usr/bin/python3", str(PEERS / "disk_speed.py"), "--batch", str(batch), "--optimizer", optimizer,
           "--lr", str(lr), "--epochs", str(epochs), "--threads", str(threads), "--loader", loader]
    return json.loads(subprocess.run(cmd, check=True, env=env(threads), capture_output=True, text=True).stdout)


def median(values):
    return statistics.median(values)


def disk_rows():
    rows = []
    for batch in (1, 50, 100, 500, 1000):
        for optimizer, lr in (("sgd", 0.1), ("adam", 0.001)):
            m_epochs = 20 if batch == 1 else 300
            t_epochs = 2 if batch == 1 else (30 if batch <= 100 else 60)
            m1, m2, ti, td, ti2 = [], [], [], [], []
            for _ in range(REPS):  # alternate the sides, so drifts hit both
                m1.append(minidl_train(batch, optimizer, lr, m_epochs, 1)["epochs_per_second"])
                ti.append(torch_train(batch, optimizer, lr, t_epochs, 1, "index")["epochs_per_second"])
                td.append(torch_train(batch, optimizer, lr, t_epochs, 1, "dataloader")["epochs_per_second"])
                m2.append(minidl_train(batch, optimizer, lr, m_epochs, 2)["epochs_per_second"])
                ti2.append(torch_train(batch, optimizer, lr, t_epochs, 2, "index")["epochs_per_second"])
            row = dict(batch=batch, optimizer=optimizer, minidl=median(m1), minidl_2threads=median(m2),
                       torch_index=median(ti), torch_dataloader=median(td), torch_index_2threads=median(ti2))
            rows.append(row)
            print(f"disk batch {batch:4d} {optimizer:4s}: minidl {row['minidl']:8.0f} epochs/s | PyTorch "
                  f"{row['torch_index']:7.1f} (index) {row['torch_dataloader']:7.1f} (DataLoader) | x"
                  f"{row['minidl'] / row['torch_index']:.1f} / x{row['minidl'] / row['torch_dataloader']:.1f} | "
                  f"2 threads: minidl {row['minidl_2threads']:.0f} ({row['minidl_2threads'] / row['minidl']:.2f}x of 1)",
                  flush=True)
    return rows


def image_rows():
    """The image benchmarks: samples/s on the first 20,000 training images, 1 and 2 threads, and the
    peak RSS of the one-thread runs."""
    rows = []
    for model, config in (("mlp", "bench-fashion-mlp.toml"), ("lenet", "bench-fashion-lenet.toml"),
                          ("cnn", "bench-fashion-cnn.toml")):
        m1, m2, t1, t2, mrss, trss = [], [], [], [], [], []
        for _ in range(REPS):
            for threads, store in ((1, m1), (2, m2)):
                with tempfile.TemporaryDirectory() as tmp:
                    out = pathlib.Path(tmp) / "run"
                    subprocess.run([str(MINIDL), "train", str(ROOT / "configs" / config), "--set", "data.train_limit=20000",
                                    "--set", "data.test_limit=1000", "--threads", str(threads), "--quiet", "--out",
                                    str(out)], check=True, env=env(threads), stdout=subprocess.DEVNULL)
                    summary = json.loads((out / "summary.json").read_text())
                    store.append(summary["samples_per_second"])
                    if threads == 1:
                        mrss.append(summary["peak_rss_mb"])
            for threads, store in ((1, t1), (2, t2)):
                cmd = ["/usr/bin/python3", str(PEERS / "fashion_speed.py"), "--model", model, "--threads", str(threads)]
                result = json.loads(subprocess.run(cmd, check=True, env=env(threads), capture_output=True,
                                                   text=True).stdout)
                store.append(result["samples_per_second"])
                if threads == 1:
                    trss.append(result["peak_rss_mb"])
        row = dict(model=model, minidl=median(m1), minidl_2threads=median(m2), torch=median(t1),
                   torch_2threads=median(t2), minidl_rss_mb=max(mrss), torch_rss_mb=max(trss))
        rows.append(row)
        print(f"fashion {model}: minidl {row['minidl']:.0f} samples/s (2 threads {row['minidl_2threads']:.0f}) | PyTorch "
              f"{row['torch']:.0f} (2 threads {row['torch_2threads']:.0f}) | x{row['minidl'] / row['torch']:.2f} on one "
              f"thread, x{row['minidl_2threads'] / max(row['torch'], row['torch_2threads']):.2f} on two against "
              f"PyTorch's best | peak RSS minidl {row['minidl_rss_mb']:.0f} MB, PyTorch {row['torch_rss_mb']:.0f} MB",
              flush=True)
    return rows


def inference_row():
    out = subprocess.run([str(ROOT / "build" / "bench" / "bench_inference"), "--benchmark_format=json",
                          "--benchmark_repetitions=5", "--benchmark_report_aggregates_only=true"],
                         check=True, env=env(1), capture_output=True, text=True).stdout
    bench = json.loads(out)["benchmarks"]
    minidl_us = [b["real_time"] for b in bench if b.get("aggregate_name") == "median"][0] / 1000.0
    torch_us = median([json.loads(subprocess.run(["/usr/bin/python3", str(PEERS / "inference_latency.py")],
                                                 check=True, env=env(1), capture_output=True,
                                                 text=True).stdout)["microseconds"] for _ in range(REPS)])
    print(f"single-sample inference: minidl {minidl_us:.2f} us | PyTorch {torch_us:.2f} us | x{torch_us / minidl_us:.1f}")
    return dict(minidl_us=minidl_us, torch_us=torch_us)


def process_row():
    """Peak RSS and start-up of a default `minidl train` (configs/disk.toml), and of `import torch`."""
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "run"
        subprocess.run([str(MINIDL), "train", "--quiet", "--out", str(out)], check=True, env=env(1), cwd=ROOT,
                       capture_output=True, text=True)
        summary = json.loads((out / "summary.json").read_text())
        rss_mb = summary["peak_rss_mb"]  # the minidl process itself (gnuplot runs as a child)
    torch = subprocess.run(["/usr/bin/time", "-f", "%M %e", "/usr/bin/python3", "-c", "import torch"], check=True,
                           env=env(1), capture_output=True, text=True).stderr.strip().splitlines()[-1].split()
    row = dict(minidl_rss_mb=rss_mb, minidl_startup_ms=1000 * summary.get("startup_seconds", float("nan")),
               torch_import_rss_mb=int(torch[0]) / 1024, torch_import_seconds=float(torch[1]))
    print(f"default minidl train: peak RSS {row['minidl_rss_mb']:.1f} MB, start-up to first epoch "
          f"{row['minidl_startup_ms']:.1f} ms | import torch: {row['torch_import_rss_mb']:.0f} MB, "
          f"{row['torch_import_seconds']:.2f} s")
    return row


def sequence_rows():
    """The recurrent benchmarks, one thread: sequential Fashion-MNIST (LSTM hidden 128 over 28 rows,
    batch 128, first 10,000 images, samples/s) and the character LSTM (2 layers, hidden 256,
    sequence 64, batch 32, on fortunes' `cookie` file, sequences of 64 characters per second)."""
    cookie = "/usr/share/games/fortunes/cookie"
    workloads = (
        ("fashion-lstm", ["--set", "data.train_limit=10000", "--set", "data.test_limit=1000", "--set",
                          "scheduler.name=none"], "samples_per_second", ["--task", "fashion", "--hidden", "128",
                                                                          "--batch", "128", "--epochs", "1"]),
        ("chars-lstm", ["--set", f"data.path={cookie}"], "sequences_per_second",
         ["--task", "chars", "--path", cookie, "--epochs", "1"]),
    )
    rows = []
    for name, sets, key, peer in workloads:
        m, t = [], []
        for _ in range(REPS):
            with tempfile.TemporaryDirectory() as tmp:
                out = pathlib.Path(tmp) / "run"
                subprocess.run([str(MINIDL), "train", str(ROOT / "configs" / f"{name}.toml"), "--set", "train.epochs=1",
                                *sets, "--threads", "1", "--quiet", "--out", str(out)], check=True, env=env(1),
                               stdout=subprocess.DEVNULL)
                m.append(json.loads((out / "summary.json").read_text())[key])
            cmd = ["/usr/bin/python3", str(PEERS / "sequence_lstm.py"), *peer, "--threads", "1"]
            t.append(json.loads(subprocess.run(cmd, check=True, env=env(1), capture_output=True, text=True).stdout)[key])
        row = dict(name=name, minidl=median(m), torch=median(t), minidl_range=(min(m), max(m)), torch_range=(min(t), max(t)))
        rows.append(row)
        print(f"{name}: minidl {row['minidl']:.0f} | PyTorch {row['torch']:.0f} ({key}) | x{row['minidl'] / row['torch']:.2f}",
              flush=True)
    return rows


def system_facts():
    """`minidl info --system` under the benchmark's environment: the CPU and the kernels in use."""
    return subprocess.run([str(MINIDL), "info", "--system"], check=True, env=env(1), capture_output=True,
                          text=True).stdout.rstrip()


def write_results(disk, images, inference, process, sequences=()):
    command = "bench/compare.sh" + (f" --blas-kernel {BLAS_KERNEL}" if BLAS_KERNEL else "")
    lines = [f"Measured {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {REPS} repetition(s), medians. "
             f"Command: `{command}`" + (f" (OPENBLAS_CORETYPE={BLAS_KERNEL} on both sides)" if BLAS_KERNEL else "")
             + ". `minidl info --system` in that environment:", "", "```", system_facts(), "```", "",
             "Disk network 2-25-25-25-2 (ReLU, MSE on one-hot targets), 1000 points, epochs/s, one thread. "
             "PyTorch is run two ways: `index` slices one randperm per epoch (its fastest loop), `DataLoader` is "
             "`DataLoader(TensorDataset(x, y), shuffle=True)` as a PyTorch user writes it.", "",
             "| batch | optimizer | minidl | PyTorch (index) | ratio | PyTorch (DataLoader) | ratio | minidl 2 threads / 1 |",
             "|---|---|---|---|---|---|---|---|"]
    for r in disk:
        lines.append(f"| {r['batch']} | {r['optimizer']} | {r['minidl']:.0f} | {r['torch_index']:.1f} | "
                     f"{r['minidl'] / r['torch_index']:.1f}x | {r['torch_dataloader']:.1f} | "
                     f"{r['minidl'] / r['torch_dataloader']:.1f}x | {r['minidl_2threads'] / r['minidl']:.2f} |")
    lines += ["", "Fashion-MNIST, first 20,000 training images, one epoch, samples/s (Adam, cross-entropy): the "
              "784-256-128-10 ReLU MLP at batch 128, the LeNet (Conv 1->8 5x5, pool, Conv 8->16 5x5, pool, "
              "256-120-84-10) at batch 64 and the CNN (3x3 conv blocks of 32 and 64 channels with ReLU and 2x2 "
              "pool, 3136-128-10) at batch 128. Peak RSS of the one-thread runs: minidl's whole process (it also "
              "evaluates 1,000 test images and draws its plots), PyTorch's including its import.", "",
              "| network | minidl 1 thread | PyTorch 1 thread | ratio | minidl 2 threads | minidl 2 / 1 | "
              "PyTorch 2 threads | 2 threads vs PyTorch's best | peak RSS minidl / PyTorch (MB) |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in images:
        lines.append(f"| {r['model']} | {r['minidl']:.0f} | {r['torch']:.0f} | {r['minidl'] / r['torch']:.2f}x | "
                     f"{r['minidl_2threads']:.0f} | {r['minidl_2threads'] / r['minidl']:.2f} | "
                     f"{r['torch_2threads']:.0f} | "
                     f"{r['minidl_2threads'] / max(r['torch'], r['torch_2threads']):.2f}x | "
                     f"{r['minidl_rss_mb']:.0f} / {r['torch_rss_mb']:.0f} |")
    if sequences:
        lines += ["", "Recurrent networks, one thread, one epoch: sequential Fashion-MNIST (LSTM hidden 128 over the 28 "
                  "rows, last step to Linear(128, 10), batch 128, first 10,000 images, samples/s) and the character "
                  "LSTM (embedding 64, 2 layers of hidden 256, sequence 64, batch 32, truncated BPTT on fortunes' "
                  "`cookie`, sequences/s). PyTorch side: bench/peers/sequence_lstm.py.", "",
                  "| workload | minidl | PyTorch | ratio | minidl range | PyTorch range |", "|---|---|---|---|---|---|"]
        for r in sequences:
            lines.append(f"| {r['name']} | {r['minidl']:.0f} | {r['torch']:.0f} | {r['minidl'] / r['torch']:.2f}x | "
                         f"{r['minidl_range'][0]:.0f}-{r['minidl_range'][1]:.0f} | "
                         f"{r['torch_range'][0]:.0f}-{r['torch_range'][1]:.0f} |")
    lines += ["", f"Single-sample inference latency: minidl {inference['minidl_us']:.2f} us, PyTorch "
              f"{inference['torch_us']:.2f} us ({inference['torch_us'] / inference['minidl_us']:.1f}x).", "",
              f"A default `minidl train` (configs/disk.toml): peak RSS {process['minidl_rss_mb']:.1f} MB, start-up to "
              f"the first epoch {process['minidl_startup_ms']:.1f} ms. For scale, `import torch` alone: "
              f"{process['torch_import_rss_mb']:.0f} MB and {process['torch_import_seconds']:.2f} s."]
    write_block(MARKER, lines)


# ---- MPI: minidl on 1 and 2 processes ---------------------------------------------------------

def mpirun(ranks):
    """mpirun as the tests run it (tests/dist/mpi_run.h): --oversubscribe, --allow-run-as-root as
    root. --bind-to none: the processes float over the cores like minidl's threads do, rather than
    each pinned to a core that another build may be using."""
    cmd = ["mpirun", "--oversubscribe", "--bind-to", "none", "-n", str(ranks)]
    if os.geteuid() == 0:
        cmd.append("--allow-run-as-root")
    return cmd


def mpi_env(threads):
    # Containers often forbid the cross-memory copy (CMA) of Open MPI's shared-memory transport.
    return dict(env(threads), OMPI_MCA_btl_vader_single_copy_mechanism="none")


def mpi_available():
    return ALLREDUCE_BENCH.exists() and subprocess.run(["which", "mpirun"], capture_output=True).returncode == 0


def allreduce_rows():
    """dist::all_reduce of float32 tensors, 8 B to 64 MiB, 2 ranks: seconds per call (the median of
    5 timed loops of about 0.1 s each) and bytes / second; the median over the repetitions."""
    runs = []
    for _ in range(REPS):
        out = subprocess.run(mpirun(2) + [str(ALLREDUCE_BENCH), "--seconds", "0.1"], check=True, env=mpi_env(1),
                             capture_output=True, text=True).stdout
        runs.append([json.loads(line) for line in out.splitlines() if line.startswith("{")])
    rows = []
    for i, first in enumerate(runs[0]):
        seconds = median([run[i]["seconds"] for run in runs])
        rows.append(dict(bytes=first["bytes"], seconds=seconds, gbytes_per_second=first["bytes"] / seconds / 1e9))
        print(f"all_reduce {first['bytes']:>9d} B on 2 ranks: {seconds * 1e6:9.1f} us, "
              f"{rows[-1]['gbytes_per_second']:.3f} GB/s", flush=True)
    return rows


def mpi_train(config, ranks, threads):
    """samples/s of one `minidl train` of the image benchmark (first 20,000 images), on `ranks`
    processes of `threads` threads each (ranks 0: no mpirun at all)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "run"
        cmd = [str(MINIDL), "train", str(ROOT / "configs" / config), "--set", "data.train_limit=20000", "--set",
               "data.test_limit=1000", "--threads", str(threads), "--quiet", "--out", str(out)]
        subprocess.run((mpirun(ranks) if ranks else []) + cmd, check=True, env=mpi_env(threads),
                       stdout=subprocess.DEVNULL)
        return json.loads((out / "summary.json").read_text())["samples_per_second"]


def mpi_image_rows():
    """The MLP and LeNet of image_rows: one process of 1 and 2 threads, and mpirun -n 1 and -n 2 of
    one thread each. Efficiency: 2 ranks' samples/s over twice one process's."""
    rows = []
    for model, config in (("mlp", "bench-fashion-mlp.toml"), ("lenet", "bench-fashion-lenet.toml")):
        one, two_threads, rank1, rank2 = [], [], [], []
        for _ in range(REPS):  # alternate, so the other builds' load hits every column alike
            one.append(mpi_train(config, 0, 1))
            two_threads.append(mpi_train(config, 0, 2))
            rank1.append(mpi_train(config, 1, 1))
            rank2.append(mpi_train(config, 2, 1))
        row = dict(model=model, one=median(one), two_threads=median(two_threads), rank1=median(rank1),
                   rank2=median(rank2), rank2_range=(min(rank2), max(rank2)))
        rows.append(row)
        print(f"fashion {model}: 1 process {row['one']:.0f} samples/s, 2 threads {row['two_threads']:.0f}, "
              f"mpirun -n 1 {row['rank1']:.0f}, -n 2 {row['rank2']:.0f} (efficiency "
              f"{row['rank2'] / (2 * row['one']):.2f}, x{row['rank2'] / row['two_threads']:.2f} of 2 threads)", flush=True)
    return rows


GRID_ARGS = ["grid", str(ROOT / "configs" / "report-003.toml"), "--set",
             "optimizer.lr=[0.001,0.002,0.005,0.01,0.02,0.05]", "--set", "train.epochs=300", "--runs", "2", "--quiet"]


def mpi_grid_row():
    """Wall time of a 12-run grid (report-003's disk network, 6 learning rates x 2 seeds, 300 epochs)
    in one process against mpirun -n 2, start-up and gathering included."""
    one, two = [], []
    for _ in range(REPS):
        for ranks, store in ((0, one), (2, two)):
            with tempfile.TemporaryDirectory() as tmp:
                start = time.perf_counter()
                subprocess.run((mpirun(ranks) if ranks else []) + [str(MINIDL), *GRID_ARGS, "--out", str(pathlib.Path(tmp) / "grid")],
                               check=True, env=mpi_env(1), stdout=subprocess.DEVNULL)
                store.append(time.perf_counter() - start)
    row = dict(one=median(one), two=median(two))
    print(f"grid of 12 runs: 1 process {row['one']:.2f} s, mpirun -n 2 {row['two']:.2f} s (x{row['one'] / row['two']:.2f})")
    return row


def write_mpi_results(allreduce, images, grid, load_before, load_after):
    lines = [f"Measured {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, {REPS} repetition(s), medians. "
             f"Command: `bench/compare.sh{' --mpi-only' if MPI_ONLY else ''}{' --quick' if QUICK else ''}`. "
             f"NOTE: the cores were shared with other builds (load average {load_before:.1f} before, "
             f"{load_after:.1f} after), so the 2-process figures are noisy. `minidl info --system`:", "",
             "```", system_facts(), "```", "",
             "`dist::all_reduce` (float32 sum: an allgather, then a rank-order sum) on 2 processes of one machine "
             "(`mpirun -n 2 build/bench/bench_mpi_allreduce`, Open MPI's shared-memory transport, "
             "`btl_vader_single_copy_mechanism=none`). Bandwidth is the message's bytes over the time of one call.", "",
             "| bytes | microseconds per call | GB/s |", "|---|---|---|"]
    for r in allreduce:
        lines.append(f"| {r['bytes']} | {r['seconds'] * 1e6:.1f} | {r['gbytes_per_second']:.3f} |")
    lines += ["", "The Fashion-MNIST MLP and LeNet of the table above (first 20,000 images, one epoch, samples/s), "
              "data-parallel under `mpirun -n 2 minidl train` (one thread per process) against one process of "
              "1 and 2 threads. Efficiency: 2 processes' samples/s over twice one process's (1.00 = perfect scaling).",
              "", "| network | 1 process, 1 thread | 1 process, 2 threads | mpirun -n 1 | mpirun -n 2 | efficiency | "
              "2 processes / 2 threads | mpirun -n 2 range |", "|---|---|---|---|---|---|---|---|"]
    for r in images:
        lines.append(f"| {r['model']} | {r['one']:.0f} | {r['two_threads']:.0f} | {r['rank1']:.0f} | {r['rank2']:.0f} | "
                     f"{r['rank2'] / (2 * r['one']):.2f} | {r['rank2'] / r['two_threads']:.2f} | "
                     f"{r['rank2_range'][0]:.0f}-{r['rank2_range'][1]:.0f} |")
    lines += ["", f"`minidl {' '.join(a if '/' not in a else 'configs/report-003.toml' for a in GRID_ARGS)}` "
              f"(12 runs of report-003's disk network): {grid['one']:.2f} s in one process, {grid['two']:.2f} s "
              f"under `mpirun -n 2` ({grid['one'] / grid['two']:.2f}x; wall time, mpirun's start-up included)."]
    write_block("MPI GENERATED", lines)


def write_block(marker, lines):
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    begin, end = f"<!-- {marker} BEGIN -->", f"<!-- {marker} END -->"
    if begin not in text:
        text += f"\n{begin}\n{end}\n"
    block = begin + "\n" + "\n".join(lines) + "\n" + end
    text = re.sub(re.escape(begin) + ".*" + re.escape(end), lambda _: block, text, flags=re.S)
    path.write_text(text)
    print(f"wrote {path}")


def mpi_main():
    if not mpi_available():
        print(f"MPI rows skipped: no {ALLREDUCE_BENCH} (a build without MPI) or no mpirun on PATH")
        return
    load_before = os.getloadavg()[0]
    allreduce = allreduce_rows()
    images = mpi_image_rows()
    grid = mpi_grid_row()
    write_mpi_results(allreduce, images, grid, load_before, os.getloadavg()[0])


def main():
    if MPI_ONLY:
        mpi_main()
        return
    disk = disk_rows()
    images = image_rows()
    sequences = sequence_rows()
    inference = inference_row()
    process = process_row()
    write_results(disk, images, inference, process, sequences)
    if not BLAS_KERNEL:
        mpi_main()


if __name__ == "__main__":
    main()

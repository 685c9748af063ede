#!/usr/bin/env bash
# minidl against PyTorch on the same work, side by side in one run, alternating, each in a fresh
# process pinned to 1 thread (OPENBLAS_NUM_THREADS=1, torch.set_num_threads(1)); 2 threads are
# reported too. Prints the table and rewrites the generated part of bench/RESULTS.md.
#
#   bench/compare.sh            # every workload, 3 repetitions (a few minutes)
#   bench/compare.sh --quick    # 1 repetition
#   bench/compare.sh --blas-kernel Prescott   # OpenBLAS pinned to SSE3 kernels on both sides: the
#                               # machine where OpenBLAS 0.3.21 does not know the CPU (Xeon 6/207)
#   bench/compare.sh --mpi-only # only the MPI rows (minidl alone, no PyTorch): all_reduce by size,
#                               # MLP and LeNet on 1 and 2 processes, a 2-process grid (a few minutes)
#
# Both sides run without OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE (this workplace sets them to pin old
# OpenBLAS builds to Haswell kernels; both libraries here run correctly without them, and the
# report names the kernel OpenBLAS picked).
set -euo pipefail
cd "$(dirname "$0")/.."
mpi_only=false
for arg in "$@"; do [[ "$arg" == --mpi-only ]] && mpi_only=true; done
$mpi_only || bash scripts/install-deps.sh --peer
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
# The all_reduce benchmark exists only in a build with MPI (bench/CMakeLists.txt).
mpi_bench=$(cmake --build build --target help | grep -o 'bench_mpi_allreduce' | head -n 1 || true)
if $mpi_only; then
  cmake --build build -j"$(nproc)" --target minidl_cmd $mpi_bench > /dev/null
  exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/compare.py "$@"
fi
cmake --build build -j"$(nproc)" --target minidl_cmd bench_inference bench_disk_step minidl_python $mpi_bench > /dev/null
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/compare.py "$@"
# The same disk loop written in Python, minidl's module against PyTorch (its own RESULTS section).
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/python/compare_python.py "$@"

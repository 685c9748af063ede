#!/usr/bin/env bash
# Installs every Debian package minidl needs to build, test and run (idempotent).
# Usage: scripts/install-deps.sh [--peer]   (--peer adds python3-torch for golden values and benchmarks)
set -euo pipefail

packages=(
  g++ cmake make pkg-config       # toolchain
  dpkg-dev                        # dpkg-shlibdeps: the .deb's dependencies (cpack -G DEB, tests/install_deb)
  libopenblas-serial-dev          # GEMM (cblas_sgemm/dgemm); the serial build: minidl has its own threads
  libgtest-dev libgmock-dev       # unit tests
  libbenchmark-dev                # micro-benchmarks in bench/
  libcli11-dev                    # command-line parsing for the minidl CLI
  libtomlplusplus-dev             # TOML configs
  nlohmann-json3-dev              # JSON (summary.json, safetensors headers)
  libfmt-dev                      # formatting (g++ 12 has no <format>)
  zlib1g-dev                      # gzip IDX files (Fashion-MNIST)
  gnuplot-nox                     # plots
  libdnnl-dev                     # oneDNN: convolutions, and GEMM where OpenBLAS lacks kernels for the CPU or on AMD
  libxsmm-dev                     # libxsmm: JIT kernels for small float32 products
  libopenmpi-dev openmpi-bin      # Open MPI: minidl::dist, data-parallel training; mpirun for its tests
  dataset-fashion-mnist           # the Fashion-MNIST images (/usr/share/datasets/fashion-mnist)
  pybind11-dev python3-dev        # the Python module (python/), for /usr/bin/python3
  python3-pytest python3-numpy    # its tests (run by ctest); NumPy interchange
  fortunes                        # English text for the character language models (/usr/share/games/fortunes)
  clang libclang-rt-14-dev        # libFuzzer targets of fuzz/ (make fuzz; built and run briefly by make test)
)
if [[ "${1:-}" == "--peer" ]]; then
  packages+=(python3-torch python3-numpy time)  # time: GNU time for peak RSS in bench/compare.sh
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"

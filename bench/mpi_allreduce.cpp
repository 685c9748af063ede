// bench_mpi_allreduce: latency and bandwidth of dist::all_reduce (float32, sum) by message size,
// the MPI rows of bench/compare.sh. Run it under `mpirun -n 2`; rank 0 prints one JSON object per
// size. A plain program, not Google Benchmark: every rank must run the same iterations in step.
//   mpirun -n 2 build/bench/bench_mpi_allreduce [--max-bytes 67108864] [--seconds 0.1]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "minidl/dist.h"
#include "minidl/minidl.h"

using namespace minidl;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// Seconds per all_reduce of `x`: the median over `repetitions` timings of `calls` back-to-back calls,
// each started after a barrier so every rank times the same calls.
double seconds_per_call(Tensor& x, int64_t calls, int repetitions) {
  std::vector<double> per_call;
  for (int rep = 0; rep < repetitions; ++rep) {
    dist::barrier();
    double start = now();
    for (int64_t i = 0; i < calls; ++i) dist::all_reduce(x);
    per_call.push_back((now() - start) / static_cast<double>(calls));
  }
  std::nth_element(per_call.begin(), per_call.begin() + repetitions / 2, per_call.end());
  return per_call[repetitions / 2];
}

}  // namespace

int main(int argc, char** argv) {
  dist::InitGuard mpi;
  try {
    int64_t max_bytes = 64 << 20;
    double seconds = 0.1;  // per repetition
    for (int i = 1; i < argc; i += 2) {
      std::string flag = argv[i];
      if (i + 1 == argc || (flag != "--max-bytes" && flag != "--seconds")) {
        throw ValueError("bench_mpi_allreduce: expected --max-bytes N or --seconds S, got '" + flag + "'" +
                         (i + 1 == argc ? " without a value" : ""));
      }
      if (flag == "--max-bytes") max_bytes = std::stoll(argv[i + 1]);
      if (flag == "--seconds") seconds = std::stod(argv[i + 1]);
    }
    // 8 B (two floats: a step's loss and count), then 16 B to max_bytes by factors of 4.
    std::vector<int64_t> sizes = {8};
    for (int64_t bytes = 16; bytes <= max_bytes; bytes *= 4) sizes.push_back(bytes);
    for (int64_t bytes : sizes) {
      Tensor x = zeros({bytes / 4}, kFloat32);
      // Size the timed loops from one warm call, then agree on rank 0's count: every rank must
      // make the same number of calls.
      double start = now();
      dist::all_reduce(x);
      double warm = now() - start;
      Tensor calls = scalar_tensor(static_cast<double>(std::clamp<int64_t>(static_cast<int64_t>(seconds / std::max(warm, 1e-7)),
                                                                           1, 100000)),
                                   kInt64);
      dist::broadcast(calls, 0);
      double t = seconds_per_call(x, static_cast<int64_t>(calls.item()), 5);
      if (dist::rank() == 0) {
        std::printf("{\"bytes\": %lld, \"world_size\": %d, \"seconds\": %.9g, \"gbytes_per_second\": %.6g}\n",
                    static_cast<long long>(bytes), dist::world_size(), t, static_cast<double>(bytes) / t / 1e9);
        std::fflush(stdout);
      }
    }
  } catch (const std::exception& e) {
    dist::abort(e.what());
  }
  return 0;
}

// Internal: minidl's parallel loops. They run on libgomp's thread team, the one oneDNN's
// primitives use (Debian builds oneDNN with GCC's OpenMP), so a program never has two sets of
// workers competing for the cores: with a pool of its own beside oneDNN's team, one team's
// workers spun while the other's worked, and two threads trained a CNN only 1.05-1.4x faster
// than one. OpenBLAS is its serial build; large GEMMs are split across the team (blas.cpp),
// everything small stays on the calling thread. libgomp's workers spin briefly after a region and
// then sleep, so an idle team costs nothing.
#pragma once

#include <cstdint>
#include <functional>

namespace minidl::detail {

// Runs task(i) for i in [0, count), on the calling thread and up to get_num_threads() - 1
// workers, and returns when all are done. The first exception a task throws is rethrown. Called
// from inside a task, it runs serially on that thread (OpenMP does not nest by default).
void parallel_for(int64_t count, const std::function<void(int64_t)>& task);

}  // namespace minidl::detail

// Internal: minidl's own worker threads. OpenBLAS is linked in its serial build, so these are the
// only threads minidl runs: large GEMMs are split across them (blas.cpp); everything small stays
// on the calling thread. Workers sleep on a condition variable between jobs (no spinning, so an
// idle pool costs nothing).
#pragma once

#include <cstdint>
#include <functional>

namespace minidl::detail {

// Runs task(i) for i in [0, count), on the calling thread and up to get_num_threads() - 1
// workers, and returns when all are done. The first exception a task throws is rethrown.
void parallel_for(int64_t count, const std::function<void(int64_t)>& task);

}  // namespace minidl::detail

// Internal: minidl's parallel loops. They run on libgomp's thread team, the one oneDNN's
// primitives use (Debian builds oneDNN with GCC's OpenMP), so a program never has two sets of
// workers competing for the cores: with a pool of its own beside oneDNN's team, one team's
// workers spun while the other's worked, and two threads trained a CNN only 1.05-1.4x faster
// than one. OpenBLAS is its serial build; large GEMMs are split across the team (blas.cpp),
// everything small stays on the calling thread. libgomp's workers spin briefly after a region and
// then sleep, so an idle team costs nothing.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>

#include "minidl/threads.h"

namespace minidl::detail {

// Runs task(i) for i in [0, count), on the calling thread and up to get_num_threads() - 1
// workers, and returns when all are done. The first exception a task throws is rethrown. Called
// from inside a task, it runs serially on that thread (OpenMP does not nest by default).
void parallel_for(int64_t count, const std::function<void(int64_t)>& task);

// Elementwise loops that read and write several arrays (an optimizer's update) split across the
// team from this many elements.
constexpr int64_t kParallelUpdateElements = int64_t{1} << 14;

// Runs body(begin, end) over [0, count): in one contiguous block per thread when count reaches
// min_count (below it a hand-off, ~1-2 us, costs more than it saves), else as body(0, count) on
// the calling thread. Block edges fall on multiples of `align` (16 float32 elements are a cache
// line, so no two threads write one line). For loops whose iterations are independent: the
// result has the same bits however the range is split.
template <class F>
void parallel_blocks(int64_t count, int64_t min_count, int64_t align, F&& body) {
  const int64_t threads = get_num_threads();
  if (threads <= 1 || count < std::max<int64_t>(min_count, 2)) {
    body(int64_t{0}, count);
    return;
  }
  int64_t block = (count + threads - 1) / threads;
  block = (block + align - 1) / align * align;
  parallel_for((count + block - 1) / block, [&](int64_t i) {
    const int64_t begin = i * block;
    body(begin, std::min(count, begin + block));
  });
}

}  // namespace minidl::detail

// set_num_threads: the size of minidl's own pool (thread_pool.cpp). OpenBLAS is the serial build,
// so there is no second pool to keep in step.
#include "minidl/threads.h"

#include <string>
#include <thread>

#include "minidl/error.h"

namespace minidl {

namespace {
int& num_threads() {
  static int n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return n;
}
}  // namespace

void set_num_threads(int n) {
  if (n < 1) throw ValueError("set_num_threads: n must be >= 1, got " + std::to_string(n));
  num_threads() = n;
}

int get_num_threads() { return num_threads(); }

}  // namespace minidl

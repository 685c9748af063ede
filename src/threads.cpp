// set_num_threads: the size of the OpenMP team minidl's parallel loops (thread_pool.cpp) and
// oneDNN's primitives share. OpenBLAS is the serial build, so there is no other pool to keep in step.
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

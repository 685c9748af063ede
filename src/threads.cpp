// set_num_threads: minidl's own kernels are single-threaded; this sets OpenBLAS's pool.
#include "minidl/threads.h"

#include <cblas.h>

#include <string>

#include "minidl/error.h"

namespace minidl {

namespace {
int& num_threads() {
  static int n = openblas_get_num_threads();
  return n;
}
}  // namespace

void set_num_threads(int n) {
  if (n < 1) throw ValueError("set_num_threads: n must be >= 1, got " + std::to_string(n));
  num_threads() = n;
  openblas_set_num_threads(n);
}

int get_num_threads() { return num_threads(); }

}  // namespace minidl

// parallel_for on the OpenMP team that oneDNN's primitives run on (see thread_pool.h).
#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>

#include "minidl/threads.h"
#include "openmp.h"
#include "signal_safety.h"

namespace minidl::detail {

namespace {

struct Job {
  const std::function<void(int64_t)>* task = nullptr;
  int64_t count = 0;
  std::atomic<int64_t> next{0};
  std::mutex mutex;
  std::exception_ptr error;
};

// The body of the parallel region: each thread of the team takes task indices until none is left
// (dynamic, so a slow thread does not hold the others up; which thread runs an index never changes
// the result). No exception may leave an OpenMP region: the first one is kept for the caller.
void run_job(void* data) {
  Job& job = *static_cast<Job*>(data);
  for (;;) {
    int64_t i = job.next.fetch_add(1);
    if (i >= job.count) return;
    try {
      (*job.task)(i);
    } catch (...) {
      std::lock_guard lock(job.mutex);
      if (!job.error) job.error = std::current_exception();
    }
  }
}

}  // namespace

void parallel_for(int64_t count, const std::function<void(int64_t)>& task) {
  int threads = get_num_threads();
  if (threads <= 1 || count <= 1) {
    for (int64_t i = 0; i < count; ++i) task(i);
    return;
  }
  Job job;
  job.task = &task;
  job.count = count;
  // OpenMP workers started here inherit the blocked mask for life (signal_safety.h).
  AsynchronousSignalsBlocked no_signals;
  GOMP_parallel(run_job, &job, static_cast<unsigned>(std::min<int64_t>(threads, count)), 0);
  if (job.error) std::rethrow_exception(job.error);
}

}  // namespace minidl::detail

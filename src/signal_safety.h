// Internal: keeping signals out of oneDNN's JIT kernels.
//
// oneDNN 2.6's JIT sgemm kernels (jit_avx512_common_gemm_f32, jit_avx_gemm_f32) point the stack
// pointer at a heap buffer while they run. A signal handled on that thread then has its frame
// written into the heap, and a later free() aborts ("corrupted size vs. prev_size"): oneDNN
// issue #4845, fixed upstream in 2026 (PR #4855), after the 2.6.3 that Debian 12 ships. minidl's
// own Ctrl-C handler hit it one run in ten. Two defences, each where it costs nothing that matters:
// - threads that run those kernels under minidl's control never take asynchronous signals:
//   minidl's parallel loops and oneDNN's primitives run with them blocked, so the OpenMP workers
//   they start inherit the blocked mask for life;
// - a thread that calls dnnl_sgemm itself (the program's own threads: a per-call mask change would
//   cost more than a small product) gets an alternate signal stack, so a handler installed with
//   SA_ONSTACK (minidl's command's, CPython's) runs there and never writes below the kernel's rsp.
#pragma once

#include <csignal>

namespace minidl::detail {

// Gives the calling thread an alternate signal stack the first time it is called on that thread,
// unless the thread already has one. Cheap after the first call (a thread-local flag).
void ensure_alternate_signal_stack();

// Blocks the asynchronous signals (not the synchronous ones such as SIGSEGV, which a fault raises
// on the thread that caused it) while it lives and restores the caller's mask after; signals
// sent meanwhile stay pending and are delivered then.
class AsynchronousSignalsBlocked {
 public:
  AsynchronousSignalsBlocked();
  ~AsynchronousSignalsBlocked();
  AsynchronousSignalsBlocked(const AsynchronousSignalsBlocked&) = delete;
  AsynchronousSignalsBlocked& operator=(const AsynchronousSignalsBlocked&) = delete;

 private:
  sigset_t previous_;
};

}  // namespace minidl::detail

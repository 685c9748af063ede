// Alternate signal stacks and blocked signal masks: see signal_safety.h for the oneDNN bug.
#include "signal_safety.h"

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

namespace minidl::detail {

namespace {

// Everything a process can be sent from outside; the signals a thread raises on itself by a
// fault stay deliverable (blocking them would turn a crash into a hang or undefined behaviour).
sigset_t asynchronous_signals() {
  sigset_t set;
  sigfillset(&set);
  for (int synchronous : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS}) sigdelset(&set, synchronous);
  return set;
}

// The calling thread's alternate stack, freed when the thread ends (after switching it off).
class AlternateStack {
 public:
  AlternateStack() {
    stack_t current{};
    if (sigaltstack(nullptr, &current) == 0 && !(current.ss_flags & SS_DISABLE)) return;  // the thread has its own
    // An AVX-512 signal frame alone is about 3 KiB (the kernel's MINSIGSTKSZ is too small for
    // it); 64 KiB also leaves room for a handler that does real work.
    long minimum = sysconf(_SC_SIGSTKSZ);
    size_ = std::max<size_t>(size_t{1} << 16, minimum > 0 ? static_cast<size_t>(minimum) : 0);
    memory_.reset(static_cast<char*>(std::malloc(size_)));
    if (!memory_) return;  // no stack: handlers run where they would have anyway
    stack_t mine{};
    mine.ss_sp = memory_.get();
    mine.ss_size = size_;
    if (sigaltstack(&mine, nullptr) != 0) memory_.reset();
  }
  ~AlternateStack() {
    if (!memory_) return;
    stack_t off{};
    off.ss_flags = SS_DISABLE;
    sigaltstack(&off, nullptr);
  }
  AlternateStack(const AlternateStack&) = delete;
  AlternateStack& operator=(const AlternateStack&) = delete;

 private:
  struct Free {
    void operator()(char* p) const { std::free(p); }
  };
  std::unique_ptr<char, Free> memory_;
  size_t size_ = 0;
};

}  // namespace

void ensure_alternate_signal_stack() { thread_local AlternateStack stack; }

AsynchronousSignalsBlocked::AsynchronousSignalsBlocked() {
  sigset_t set = asynchronous_signals();
  pthread_sigmask(SIG_BLOCK, &set, &previous_);
}

AsynchronousSignalsBlocked::~AsynchronousSignalsBlocked() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

}  // namespace minidl::detail

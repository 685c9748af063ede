// Signals and oneDNN's JIT kernels (src/signal_safety.h): a signal delivered while oneDNN's sgemm
// runs must not corrupt the heap, worker threads never take asynchronous signals, and oneDNN
// primitives run with them blocked.
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

#include <atomic>
#include <thread>
#include <vector>

#include "minidl/minidl.h"
#include "signal_safety.h"
#include "thread_pool.h"

namespace minidl {
namespace {

volatile sig_atomic_t g_alarms = 0;
void count_alarm(int) { g_alarms = g_alarms + 1; }

bool blocked_here(int signal) {
  sigset_t mask;
  pthread_sigmask(SIG_BLOCK, nullptr, &mask);
  return sigismember(&mask, signal) == 1;
}

// Without the alternate stack, a SIGALRM every 50 us aborted this loop within a second ("corrupted
// size vs. prev_size"): oneDNN 2.6's AVX-512 sgemm kernel points rsp into the heap.
TEST(SignalSafety, SignalsDuringOneDnnSgemmLeaveTheHeapAndTheResultsIntact) {
  const GemmKernel kernel = gemm_kernel();
  const int threads = get_num_threads();
  set_gemm_kernel(GemmKernel::onednn);
  set_num_threads(1);  // every product on this thread, the one the timer's signals reach
  Generator gen(7);
  // The disk network's shapes, forward and both gradients (transposes as flags).
  std::vector<std::pair<Tensor, Tensor>> operands = {
      {randn({200, 2}, gen), randn({2, 25}, gen)},   {randn({200, 25}, gen), randn({25, 25}, gen)},
      {randn({25, 200}, gen), randn({200, 25}, gen)}, {randn({200, 25}, gen), randn({2, 25}, gen).t()},
      {randn({25, 200}, gen).t(), randn({25, 2}, gen)}};
  std::vector<std::vector<double>> expected;
  for (auto& [a, b] : operands) expected.push_back(matmul(a, b).to_vector());

  struct sigaction handler {}, previous {};
  handler.sa_handler = count_alarm;
  sigemptyset(&handler.sa_mask);
  handler.sa_flags = SA_RESTART | SA_ONSTACK;
  ASSERT_EQ(sigaction(SIGALRM, &handler, &previous), 0);
  g_alarms = 0;
  itimerval every_50us{{0, 50}, {0, 50}};
  ASSERT_EQ(setitimer(ITIMER_REAL, &every_50us, nullptr), 0);
  int mismatches = 0;
  for (int rep = 0; rep < 20000; ++rep) {
    std::vector<char> churn(64 * (rep % 13 + 1), 1);  // malloc and free beside oneDNN's own buffers
    size_t i = rep % operands.size();
    if (matmul(operands[i].first, operands[i].second).to_vector() != expected[i]) ++mismatches;
  }
  itimerval off{};
  setitimer(ITIMER_REAL, &off, nullptr);
  sigaction(SIGALRM, &previous, nullptr);
  set_gemm_kernel(kernel);
  set_num_threads(threads);

  EXPECT_EQ(mismatches, 0);
  EXPECT_GT(g_alarms, 100) << "the timer hardly fired: the loop proved nothing";
}

// The workers are libgomp's, started inside a parallel loop or a oneDNN primitive.
TEST(SignalSafety, WorkersBlockAsynchronousSignalsButNotFaults) {
  const int threads = get_num_threads();
  set_num_threads(2);
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<int> worker_tasks{0}, worker_blocks_sigint{0}, worker_blocks_sigsegv{0};
  detail::parallel_for(64, [&](int64_t) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));  // leave work for the worker
    if (std::this_thread::get_id() == caller) return;
    ++worker_tasks;
    worker_blocks_sigint += blocked_here(SIGINT) && blocked_here(SIGTERM);
    worker_blocks_sigsegv += blocked_here(SIGSEGV);
  });
  set_num_threads(threads);
  ASSERT_GT(worker_tasks.load(), 0);
  EXPECT_EQ(worker_blocks_sigint.load(), worker_tasks.load());
  EXPECT_EQ(worker_blocks_sigsegv.load(), 0);
  EXPECT_FALSE(blocked_here(SIGINT)) << "the calling thread's mask must stay the program's";
}

TEST(SignalSafety, BlockedWhileAGuardLivesAndRestoredAfter) {
  ASSERT_FALSE(blocked_here(SIGINT));
  {
    detail::AsynchronousSignalsBlocked guard;
    EXPECT_TRUE(blocked_here(SIGINT));
    EXPECT_TRUE(blocked_here(SIGTERM));
    EXPECT_FALSE(blocked_here(SIGSEGV));
  }
  EXPECT_FALSE(blocked_here(SIGINT));
}

TEST(SignalSafety, AThreadGetsAnAlternateStackOnceAndKeepsItsOwn) {
  stack_t fresh{}, again{}, kept{};
  std::thread([&] {
    detail::ensure_alternate_signal_stack();
    sigaltstack(nullptr, &fresh);
    detail::ensure_alternate_signal_stack();
    sigaltstack(nullptr, &again);
  }).join();
  EXPECT_FALSE(fresh.ss_flags & SS_DISABLE);
  EXPECT_GE(fresh.ss_size, size_t{1} << 16);
  EXPECT_EQ(again.ss_sp, fresh.ss_sp);

  std::vector<char> own(1 << 16);
  std::thread([&] {
    stack_t mine{};
    mine.ss_sp = own.data();
    mine.ss_size = own.size();
    sigaltstack(&mine, nullptr);
    detail::ensure_alternate_signal_stack();
    sigaltstack(nullptr, &kept);
    stack_t off{};
    off.ss_flags = SS_DISABLE;
    sigaltstack(&off, nullptr);
  }).join();
  EXPECT_EQ(kept.ss_sp, own.data());
}

}  // namespace
}  // namespace minidl

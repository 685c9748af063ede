// thread_pool.h: parallel_for runs every index once, rethrows the first exception, runs serially
// on one thread or when nested; parallel_blocks covers [0, count) once, in blocks whose edges fall
// on multiples of `align`, one block per thread at most.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "minidl/error.h"
#include "minidl/threads.h"
#include "thread_pool.h"

namespace minidl::detail {
namespace {

// Sets the thread count for one test and restores it.
class ThreadCount {
 public:
  explicit ThreadCount(int n) : before_(get_num_threads()) { set_num_threads(n); }
  ~ThreadCount() { set_num_threads(before_); }

 private:
  int before_;
};

TEST(ParallelFor, RunsEveryIndexExactlyOnce) {
  for (int threads : {1, 2, 4}) {
    ThreadCount t(threads);
    for (int64_t count : {0, 1, 2, 3, 1000}) {
      std::vector<std::atomic<int>> runs(static_cast<size_t>(count));
      parallel_for(count, [&](int64_t i) { runs[static_cast<size_t>(i)].fetch_add(1); });
      for (int64_t i = 0; i < count; ++i) {
        ASSERT_EQ(runs[static_cast<size_t>(i)].load(), 1) << "index " << i << " of " << count << ", " << threads << " threads";
      }
    }
  }
}

// Never more threads than asked for, nor than there are indices.
TEST(ParallelFor, UsesAtMostTheThreadCountAndOneThreadPerIndex) {
  for (int threads : {1, 2, 3}) {
    ThreadCount t(threads);
    for (int64_t count : {1, 2, 200}) {
      std::mutex mutex;
      std::set<std::thread::id> ids;
      parallel_for(count, [&](int64_t) {
        std::lock_guard lock(mutex);
        ids.insert(std::this_thread::get_id());
      });
      EXPECT_LE(ids.size(), static_cast<size_t>(std::min<int64_t>(threads, count))) << threads << " threads, " << count;
    }
  }
}

TEST(ParallelFor, OneThreadRunsEverythingOnTheCallerInOrder) {
  ThreadCount t(1);
  std::vector<int64_t> order;
  std::vector<std::thread::id> ids;
  parallel_for(50, [&](int64_t i) {  // no lock: with one thread nothing runs concurrently
    order.push_back(i);
    ids.push_back(std::this_thread::get_id());
  });
  std::vector<int64_t> expected(50);
  for (int64_t i = 0; i < 50; ++i) expected[static_cast<size_t>(i)] = i;
  EXPECT_EQ(order, expected);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), std::this_thread::get_id()), 50);
}

// A parallel_for inside a task runs all its indices on that task's thread.
TEST(ParallelFor, NestedCallsRunSeriallyOnTheTaskThread) {
  ThreadCount t(2);
  std::atomic<int> inner_runs{0}, foreign{0};
  parallel_for(8, [&](int64_t) {
    const std::thread::id outer = std::this_thread::get_id();
    parallel_for(16, [&](int64_t) {
      inner_runs.fetch_add(1);
      if (std::this_thread::get_id() != outer) foreign.fetch_add(1);
    });
  });
  EXPECT_EQ(inner_runs.load(), 8 * 16);
  EXPECT_EQ(foreign.load(), 0) << "inner tasks ran on another thread than their outer task";
}

// One failing index: its exception, with its type and message, reaches the caller, and the other
// indices still ran (the call returns only when all are done).
TEST(ParallelFor, RethrowsTheExceptionOfAFailingTask) {
  for (int threads : {1, 2}) {
    ThreadCount t(threads);
    std::atomic<int> others{0};
    try {
      parallel_for(100, [&](int64_t i) {
        if (i == 37) throw ValueError("task 37 failed");
        others.fetch_add(1);
      });
      ADD_FAILURE() << "no exception, " << threads << " threads";
    } catch (const ValueError& e) {
      EXPECT_STREQ(e.what(), "task 37 failed");
    }
    if (threads > 1) {
      EXPECT_EQ(others.load(), 99);  // the serial loop stops at the throw
    }
  }
}

// Several failing indices: exactly one exception comes out, one of theirs. On one thread the
// first is the lowest index.
TEST(ParallelFor, RethrowsOnlyTheFirstOfSeveralExceptions) {
  for (int threads : {1, 2, 4}) {
    ThreadCount t(threads);
    try {
      parallel_for(64, [&](int64_t i) {
        if (i % 10 == 3) throw std::runtime_error("task " + std::to_string(i));
      });
      ADD_FAILURE() << "no exception, " << threads << " threads";
    } catch (const std::runtime_error& e) {
      if (threads == 1) {
        EXPECT_STREQ(e.what(), "task 3");
      } else {
        EXPECT_THAT(std::string(e.what()),
                    ::testing::AnyOf("task 3", "task 13", "task 23", "task 33", "task 43", "task 53", "task 63"));
      }
    }
  }
}

// What body(begin, end) was called with, sorted by begin, and on which threads.
struct Blocks {
  std::vector<std::pair<int64_t, int64_t>> ranges;
  std::set<std::thread::id> threads;
};

Blocks blocks_of(int64_t count, int64_t min_count, int64_t align) {
  Blocks b;
  std::mutex mutex;
  parallel_blocks(count, min_count, align, [&](int64_t begin, int64_t end) {
    std::lock_guard lock(mutex);
    b.ranges.emplace_back(begin, end);
    b.threads.insert(std::this_thread::get_id());
  });
  std::sort(b.ranges.begin(), b.ranges.end());
  return b;
}

// Every element in exactly one non-empty block (or one empty call for count 0), interior edges on
// multiples of align, and no more blocks than threads.
TEST(ParallelBlocks, CoverTheRangeOnceWithEdgesOnAlignBoundaries) {
  for (int threads : {2, 3, 4}) {
    ThreadCount t(threads);
    for (int64_t align : {1, 16, 64}) {
      for (int64_t count : {2, 3, 15, 16, 17, 33, 100, 1000, 1001, 4099}) {
        SCOPED_TRACE("threads " + std::to_string(threads) + ", align " + std::to_string(align) + ", count " +
                     std::to_string(count));
        Blocks b = blocks_of(count, 1, align);
        ASSERT_FALSE(b.ranges.empty());
        EXPECT_LE(b.ranges.size(), static_cast<size_t>(threads));
        EXPECT_LE(b.threads.size(), static_cast<size_t>(threads));
        EXPECT_EQ(b.ranges.front().first, 0);
        EXPECT_EQ(b.ranges.back().second, count);
        for (size_t k = 0; k < b.ranges.size(); ++k) {
          EXPECT_LT(b.ranges[k].first, b.ranges[k].second) << "block " << k << " is empty";
          if (k > 0) {
            EXPECT_EQ(b.ranges[k].first, b.ranges[k - 1].second) << "gap or overlap before block " << k;
          }
          if (k + 1 < b.ranges.size()) {
            EXPECT_EQ(b.ranges[k].second % align, 0) << "block " << k << " ends off align";
          }
        }
      }
    }
  }
}

// Enough elements for every thread: as many blocks as threads (the work is really split).
TEST(ParallelBlocks, SplitIntoOneBlockPerThreadWhenThereIsRoom) {
  for (int threads : {2, 3, 4}) {
    ThreadCount t(threads);
    EXPECT_EQ(blocks_of(16 * 1000, 1, 16).ranges.size(), static_cast<size_t>(threads)) << threads << " threads";
  }
}

// Below min_count, on one thread, or with fewer than two elements: one call body(0, count) on the
// calling thread.
TEST(ParallelBlocks, SmallRangesAndOneThreadRunAsOneCallOnTheCaller) {
  auto one_call_here = [](int64_t count, int64_t min_count, int64_t align) {
    Blocks b = blocks_of(count, min_count, align);
    const std::vector<std::pair<int64_t, int64_t>> whole{{0, count}};
    EXPECT_EQ(b.ranges, whole) << "count " << count << ", min_count " << min_count;
    EXPECT_EQ(b.threads, std::set<std::thread::id>{std::this_thread::get_id()}) << "count " << count;
  };
  {
    ThreadCount t(2);
    one_call_here(0, 1, 16);
    one_call_here(1, 1, 16);
    one_call_here(999, 1000, 16);  // one below min_count
    one_call_here(40, 1, 64);      // align above count: one block
  }
  {
    ThreadCount t(1);
    one_call_here(100000, 1, 16);
  }
}

// A task that throws inside parallel_blocks reaches the caller too.
TEST(ParallelBlocks, RethrowTheExceptionOfABlock) {
  ThreadCount t(2);
  EXPECT_THROW(parallel_blocks(1000, 1, 16,
                               [](int64_t begin, int64_t) {
                                 if (begin > 0) throw ValueError("second block");
                               }),
               ValueError);
}

}  // namespace
}  // namespace minidl::detail

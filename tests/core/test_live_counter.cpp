// live_counter.h: a LiveCounter's sum is exact across threads, across a make on one thread and a
// free on another, and once threads outnumber the slots and share the last one.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "live_counter.h"

namespace minidl::detail {
namespace {

TEST(LiveCounter, CountsWhatIsAddedAndRemoved) {
  LiveCounter c;
  EXPECT_EQ(c.live(), 0);
  c.add(1);
  c.add(1);
  c.add(5);
  EXPECT_EQ(c.live(), 7);
  c.add(-2);
  EXPECT_EQ(c.live(), 5);
  c.add(-5);
  EXPECT_EQ(c.live(), 0);
}

// The slot of a thread is claimed once and kept; it is always a real slot.
TEST(LiveCounter, AThreadKeepsItsSlot) {
  const int slot = live_counter_slot();
  EXPECT_GE(slot, 0);
  EXPECT_LT(slot, LiveCounter::kSlots);
  EXPECT_EQ(live_counter_slot(), slot);
  int other = -1;
  std::thread([&] {
    other = live_counter_slot();
    EXPECT_EQ(live_counter_slot(), other);
  }).join();
  EXPECT_GE(other, 0);
  EXPECT_LT(other, LiveCounter::kSlots);
  // Two threads share a slot only once the slots have run out (the last one is shared).
  if (slot != LiveCounter::kSlots - 1 || other != LiveCounter::kSlots - 1) {
    EXPECT_NE(slot, other);
  }
}

// Objects made on one thread and freed on another: one slot ends +n, the other -n, the sum 0.
TEST(LiveCounter, AnObjectFreedOnAnotherThreadCancelsOut) {
  LiveCounter c;
  std::thread([&] {
    for (int i = 0; i < 10; ++i) c.add(1);
  }).join();
  EXPECT_EQ(c.live(), 10);
  std::thread([&] {
    for (int i = 0; i < 10; ++i) c.add(-1);
  }).join();
  EXPECT_EQ(c.live(), 0);
}

TEST(LiveCounter, SumsTheCountsOfConcurrentThreads) {
  LiveCounter c;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&c, t] {
      for (int i = 0; i < 10000; ++i) c.add(t + 1);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.live(), 10000 * (1 + 2 + 3 + 4));
}

// More threads than slots: the ones past the last slot share it through a locked add, so
// concurrent counts there are not lost.
TEST(LiveCounter, ThreadsPastTheLastSlotShareItWithoutLosingCounts) {
  LiveCounter c;
  for (int t = 0; t < LiveCounter::kSlots + 2; ++t) {  // use up every slot (each thread claims one)
    std::thread([&c] { c.add(1); }).join();
  }
  EXPECT_EQ(c.live(), LiveCounter::kSlots + 2);
  std::vector<std::thread> threads;
  std::vector<int> slots(4, -1);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&c, &slots, t] {
      slots[static_cast<size_t>(t)] = live_counter_slot();
      for (int i = 0; i < 100000; ++i) c.add(1);
    });
  }
  for (auto& t : threads) t.join();
  for (int s : slots) EXPECT_EQ(s, LiveCounter::kSlots - 1);
  EXPECT_EQ(c.live(), LiveCounter::kSlots + 2 + 4 * 100000);
}

}  // namespace
}  // namespace minidl::detail

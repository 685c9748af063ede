// Internal: a count of live objects (storages, graph nodes) that tests read to check a graph is
// freed. A shared std::atomic cost a locked instruction for every tensor and node made and freed;
// here each thread adds to its own slot with a plain load and store, and live() sums the slots.
// An object freed on another thread than the one that made it leaves one slot +1 and the other
// -1, so the sum stays right.
#pragma once

#include <atomic>
#include <cstdint>

namespace minidl::detail {

// This thread's slot: 0, 1, 2, ... in the order threads first count something. Threads past the
// last slot share it, and add to it with a locked instruction.
int claim_live_counter_slot();
inline thread_local int t_live_counter_slot = -1;
inline int live_counter_slot() {
  int slot = t_live_counter_slot;
  return slot >= 0 ? slot : claim_live_counter_slot();
}

class LiveCounter {
 public:
  static constexpr int kSlots = 64;

  void add(int64_t delta) {
    int slot = live_counter_slot();
    if (slot < kSlots - 1) {
      slots_[slot].store(slots_[slot].load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
    } else {
      slots_[kSlots - 1].fetch_add(delta, std::memory_order_relaxed);
    }
  }

  // Exact when no thread is making or freeing objects meanwhile, as in the tests that read it.
  int64_t live() const {
    int64_t sum = 0;
    for (const auto& s : slots_) sum += s.load(std::memory_order_relaxed);
    return sum;
  }

 private:
  std::atomic<int64_t> slots_[kSlots]{};
};

}  // namespace minidl::detail

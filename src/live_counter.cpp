// Internal: hands out LiveCounter slots (live_counter.h), once per thread.
#include "live_counter.h"

namespace minidl::detail {

namespace {
std::atomic<int> g_next_slot{0};
}  // namespace

int claim_live_counter_slot() {
  int next = g_next_slot.fetch_add(1, std::memory_order_relaxed);
  t_live_counter_slot = next < LiveCounter::kSlots - 1 ? next : LiveCounter::kSlots - 1;
  return t_live_counter_slot;
}

}  // namespace minidl::detail

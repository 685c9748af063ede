// The caching allocator behind every tensor's storage. Freed blocks are kept in per-size free
// lists and handed out again, so a steady-state training step (the same shapes every step) makes
// no system allocation. Blocks are 64-byte aligned for AVX-512 loads.
#pragma once

#include <cstddef>
#include <cstdint>

namespace minidl {

struct AllocatorStats {
  int64_t system_allocations = 0;  // blocks obtained from the system (aligned_alloc) so far
  int64_t cache_hits = 0;          // allocations served from the cache so far
  int64_t live_blocks = 0;         // blocks handed out and not yet returned
  int64_t cached_blocks = 0;       // blocks waiting in the cache
  int64_t cached_bytes = 0;
};

AllocatorStats allocator_stats();
// Returns every cached block to the system.
void empty_cache();

namespace detail {
void* allocate(size_t nbytes);
void deallocate(void* ptr, size_t nbytes);
}  // namespace detail

}  // namespace minidl

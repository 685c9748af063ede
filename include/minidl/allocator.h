// The caching allocator behind every tensor's storage. Freed blocks are kept in per-size free
// lists and handed out again, so a steady-state training step (the same shapes every step) makes
// no system allocation. Blocks are 64-byte aligned for AVX-512 loads. Blocks up to 64 KiB are
// cached per thread (no lock on the path of a small network's every op); larger ones share one
// locked cache.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

namespace minidl {

struct AllocatorStats {
  int64_t system_allocations = 0;  // blocks obtained from the system (aligned_alloc) so far
  int64_t cache_hits = 0;          // allocations served from the cache so far
  int64_t live_blocks = 0;         // blocks handed out and not yet returned
  int64_t cached_blocks = 0;       // blocks waiting in the cache
  int64_t cached_bytes = 0;
};

// The calling thread's small-block counts plus the shared large-block counts. (A block freed
// on another thread than the one that made it is counted live on the first and cached on the
// second.)
AllocatorStats allocator_stats();
// Returns the calling thread's cached small blocks and every cached large block to the system.
void empty_cache();
// Returns the cached blocks of at least min_block_bytes to the system, keeping the small ones
// that a training step reuses: called when a phase with its own large buffers (evaluation of an
// image set in chunks) ends, so its memory does not stay resident for the rest of the run.
void trim_cache(size_t min_block_bytes = size_t{1} << 20);

namespace detail {
void* allocate(size_t nbytes);
void deallocate(void* ptr, size_t nbytes);

// Small objects (up to 1 KiB: tensor handles, storage records, graph nodes, edge lists, gradient
// lists) come from thread-local free lists: every op makes a few of them, and malloc/free for
// each was a third of an op's bookkeeping.
void* pool_allocate(size_t nbytes);
void pool_deallocate(void* ptr, size_t nbytes) noexcept;
}  // namespace detail

// A standard allocator over detail::pool_allocate, for containers and std::allocate_shared.
template <class T>
struct PoolAllocator {
  using value_type = T;
  PoolAllocator() noexcept = default;
  template <class U>
  PoolAllocator(const PoolAllocator<U>&) noexcept {}
  T* allocate(size_t n) { return static_cast<T*>(detail::pool_allocate(n * sizeof(T))); }
  void deallocate(T* p, size_t n) noexcept { detail::pool_deallocate(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const PoolAllocator<U>&) const noexcept {
    return true;
  }
};

// std::make_shared with the object and its control block from the pool.
template <class T, class... Args>
std::shared_ptr<T> make_pooled(Args&&... args) {
  return std::allocate_shared<T>(PoolAllocator<T>(), std::forward<Args>(args)...);
}

}  // namespace minidl

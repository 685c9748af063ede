// Caching allocator: exact-size free lists (sizes rounded up to 64 bytes, or to 4 KiB above
// 64 KiB). Training repeats the same shapes every step, so after the first step every request
// is a cache hit. The cache is bounded: above kMaxCachedBytes a freed block goes to the system.
#include "minidl/allocator.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace minidl {

namespace {

constexpr size_t kAlignment = 64;
constexpr int64_t kMaxCachedBytes = int64_t{1} << 30;

size_t round_size(size_t nbytes) {
  size_t granule = nbytes <= (64u << 10) ? 64 : 4096;
  return std::max<size_t>(granule, (nbytes + granule - 1) / granule * granule);
}

struct Cache {
  std::mutex mutex;
  std::unordered_map<size_t, std::vector<void*>> free_lists;
  AllocatorStats stats;
};

Cache& cache() {
  static Cache* instance = new Cache();  // never destroyed: tensors may outlive static destructors
  return *instance;
}

}  // namespace

namespace detail {

void* allocate(size_t nbytes) {
  size_t size = round_size(nbytes);
  Cache& c = cache();
  {
    std::lock_guard lock(c.mutex);
    auto it = c.free_lists.find(size);
    if (it != c.free_lists.end() && !it->second.empty()) {
      void* ptr = it->second.back();
      it->second.pop_back();
      ++c.stats.cache_hits;
      ++c.stats.live_blocks;
      --c.stats.cached_blocks;
      c.stats.cached_bytes -= static_cast<int64_t>(size);
      return ptr;
    }
    ++c.stats.system_allocations;
    ++c.stats.live_blocks;
  }
  void* ptr = std::aligned_alloc(kAlignment, size);
  if (!ptr) throw std::bad_alloc();
  return ptr;
}

void deallocate(void* ptr, size_t nbytes) {
  if (!ptr) return;
  size_t size = round_size(nbytes);
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  --c.stats.live_blocks;
  if (c.stats.cached_bytes + static_cast<int64_t>(size) > kMaxCachedBytes) {
    std::free(ptr);
    return;
  }
  c.free_lists[size].push_back(ptr);
  ++c.stats.cached_blocks;
  c.stats.cached_bytes += static_cast<int64_t>(size);
}

}  // namespace detail

AllocatorStats allocator_stats() {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  return c.stats;
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  for (auto& [size, list] : c.free_lists) {
    for (void* ptr : list) std::free(ptr);
    list.clear();
  }
  c.stats.cached_blocks = 0;
  c.stats.cached_bytes = 0;
}

}  // namespace minidl

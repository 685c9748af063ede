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

// ---- the small-object pool ---------------------------------------------------------------------

namespace {

constexpr size_t kGranule = 16, kClasses = 64;  // sizes 16, 32, ..., 1024 bytes
constexpr int kMaxPerClass = 4096;              // beyond this a freed block goes back to malloc

struct FreeBlock {
  FreeBlock* next;
};

// Trivially destructible, so it stays usable while the thread's other thread_locals are torn
// down; Drain empties it at thread exit and sets `dead`, after which blocks go straight to free.
struct FreeLists {
  FreeBlock* head[kClasses];
  int count[kClasses];
  bool dead;
};
thread_local FreeLists t_lists{};

struct Drain {
  ~Drain() {
    for (size_t c = 0; c < kClasses; ++c) {
      while (FreeBlock* b = t_lists.head[c]) {
        t_lists.head[c] = b->next;
        std::free(b);
      }
      t_lists.count[c] = 0;
    }
    t_lists.dead = true;
  }
};
thread_local Drain t_drain;

}  // namespace

namespace detail {

void* pool_allocate(size_t nbytes) {
  size_t c = (nbytes + kGranule - 1) / kGranule;
  if (c == 0) c = 1;
  if (c > kClasses || t_lists.dead) {
    void* p = std::malloc(c * kGranule);
    if (!p) throw std::bad_alloc();
    return p;
  }
  (void)&t_drain;  // constructs the thread's Drain, so the lists are emptied at thread exit
  FreeBlock*& head = t_lists.head[c - 1];
  if (FreeBlock* b = head) {
    head = b->next;
    --t_lists.count[c - 1];
    return b;
  }
  void* p = std::malloc(c * kGranule);
  if (!p) throw std::bad_alloc();
  return p;
}

void pool_deallocate(void* ptr, size_t nbytes) noexcept {
  if (!ptr) return;
  size_t c = (nbytes + kGranule - 1) / kGranule;
  if (c == 0) c = 1;
  if (c > kClasses || t_lists.dead || t_lists.count[c - 1] >= kMaxPerClass) {
    std::free(ptr);
    return;
  }
  auto* b = static_cast<FreeBlock*>(ptr);
  b->next = t_lists.head[c - 1];
  t_lists.head[c - 1] = b;
  ++t_lists.count[c - 1];
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

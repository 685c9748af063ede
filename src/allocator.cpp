// Caching allocator: exact-size free lists. Blocks up to 64 KiB (rounded to 64 bytes) are cached
// per thread in intrusive lists indexed by size, with no lock and no hashing: this path serves
// every activation and gradient of a small network. Larger blocks (rounded to 4 KiB) share one
// locked cache. Training repeats the same shapes every step, so after the first step every
// request is a cache hit. Both caches are bounded: beyond the bound a freed block goes back to
// the system.
#include "minidl/allocator.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace minidl {

namespace {

constexpr size_t kAlignment = 64;
constexpr size_t kSmallGranule = 64, kSmallLimit = size_t{64} << 10, kSmallClasses = kSmallLimit / kSmallGranule;
constexpr int64_t kMaxSmallCachedBytes = int64_t{256} << 20;  // per thread
constexpr int64_t kMaxLargeCachedBytes = int64_t{1} << 30;

size_t round_size(size_t nbytes) {
  size_t granule = nbytes <= kSmallLimit ? kSmallGranule : 4096;
  return std::max<size_t>(granule, (nbytes + granule - 1) / granule * granule);
}

// ---- small blocks: per thread -----------------------------------------------------------------

struct CachedBlock {
  CachedBlock* next;
};

// Trivially destructible, so frees that happen while the thread's other thread_locals are torn
// down still work; SmallDrain empties it at thread exit and sets `dead` (then frees go to free()).
struct SmallCache {
  CachedBlock* head[kSmallClasses];
  int64_t cached_bytes;
  AllocatorStats stats;
  bool dead;
};
thread_local SmallCache t_small{};

struct SmallDrain {
  ~SmallDrain() {
    for (size_t c = 0; c < kSmallClasses; ++c) {
      while (CachedBlock* b = t_small.head[c]) {
        t_small.head[c] = b->next;
        std::free(b);
      }
    }
    t_small.cached_bytes = 0;
    t_small.stats.cached_blocks = 0;
    t_small.stats.cached_bytes = 0;
    t_small.dead = true;
  }
};
thread_local SmallDrain t_small_drain;

// ---- large blocks: shared -----------------------------------------------------------------------

struct LargeCache {
  std::mutex mutex;
  std::unordered_map<size_t, std::vector<void*>> free_lists;
  AllocatorStats stats;
};

LargeCache& large() {
  static LargeCache* instance = new LargeCache();  // never destroyed: tensors may outlive static destructors
  return *instance;
}

void* system_allocate(size_t size) {
  void* ptr = std::aligned_alloc(kAlignment, size);
  if (!ptr) throw std::bad_alloc();
  return ptr;
}

}  // namespace

namespace detail {

void* allocate(size_t nbytes) {
  size_t size = round_size(nbytes);
  if (size <= kSmallLimit && !t_small.dead) {
    (void)&t_small_drain;  // constructs the thread's drain, so its cache is emptied at thread exit
    AllocatorStats& st = t_small.stats;
    ++st.live_blocks;
    CachedBlock*& head = t_small.head[size / kSmallGranule - 1];
    if (CachedBlock* b = head) {
      head = b->next;
      ++st.cache_hits;
      --st.cached_blocks;
      st.cached_bytes -= static_cast<int64_t>(size);
      t_small.cached_bytes -= static_cast<int64_t>(size);
      return b;
    }
    ++st.system_allocations;
    return system_allocate(size);
  }
  LargeCache& c = large();
  {
    std::lock_guard lock(c.mutex);
    ++c.stats.live_blocks;
    auto it = c.free_lists.find(size);
    if (it != c.free_lists.end() && !it->second.empty()) {
      void* ptr = it->second.back();
      it->second.pop_back();
      ++c.stats.cache_hits;
      --c.stats.cached_blocks;
      c.stats.cached_bytes -= static_cast<int64_t>(size);
      return ptr;
    }
    ++c.stats.system_allocations;
  }
  return system_allocate(size);
}

void deallocate(void* ptr, size_t nbytes) {
  if (!ptr) return;
  size_t size = round_size(nbytes);
  if (size <= kSmallLimit) {
    if (t_small.dead || t_small.cached_bytes + static_cast<int64_t>(size) > kMaxSmallCachedBytes) {
      --t_small.stats.live_blocks;
      std::free(ptr);
      return;
    }
    auto* b = static_cast<CachedBlock*>(ptr);
    CachedBlock*& head = t_small.head[size / kSmallGranule - 1];
    b->next = head;
    head = b;
    AllocatorStats& st = t_small.stats;
    --st.live_blocks;
    ++st.cached_blocks;
    st.cached_bytes += static_cast<int64_t>(size);
    t_small.cached_bytes += static_cast<int64_t>(size);
    return;
  }
  LargeCache& c = large();
  std::lock_guard lock(c.mutex);
  --c.stats.live_blocks;
  if (c.stats.cached_bytes + static_cast<int64_t>(size) > kMaxLargeCachedBytes) {
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
  AllocatorStats out = t_small.stats;
  LargeCache& c = large();
  std::lock_guard lock(c.mutex);
  out.system_allocations += c.stats.system_allocations;
  out.cache_hits += c.stats.cache_hits;
  out.live_blocks += c.stats.live_blocks;
  out.cached_blocks += c.stats.cached_blocks;
  out.cached_bytes += c.stats.cached_bytes;
  return out;
}

void empty_cache() {
  for (size_t k = 0; k < kSmallClasses; ++k) {
    while (CachedBlock* b = t_small.head[k]) {
      t_small.head[k] = b->next;
      std::free(b);
    }
  }
  t_small.cached_bytes = 0;
  t_small.stats.cached_blocks = 0;
  t_small.stats.cached_bytes = 0;
  LargeCache& c = large();
  std::lock_guard lock(c.mutex);
  for (auto& [size, list] : c.free_lists) {
    for (void* ptr : list) std::free(ptr);
    list.clear();
  }
  c.stats.cached_blocks = 0;
  c.stats.cached_bytes = 0;
}

void trim_cache(size_t min_block_bytes) {
  if (min_block_bytes <= kSmallLimit) {
    const size_t first = std::max<size_t>((min_block_bytes + kSmallGranule - 1) / kSmallGranule, 1) - 1;
    for (size_t k = first; k < kSmallClasses; ++k) {
      while (CachedBlock* b = t_small.head[k]) {
        t_small.head[k] = b->next;
        const int64_t bytes = static_cast<int64_t>((k + 1) * kSmallGranule);
        t_small.cached_bytes -= bytes;
        t_small.stats.cached_bytes -= bytes;
        --t_small.stats.cached_blocks;
        std::free(b);
      }
    }
  }
  LargeCache& c = large();
  std::lock_guard lock(c.mutex);
  for (auto& [size, list] : c.free_lists) {
    if (size < min_block_bytes) continue;
    for (void* ptr : list) std::free(ptr);
    c.stats.cached_blocks -= static_cast<int64_t>(list.size());
    c.stats.cached_bytes -= static_cast<int64_t>(size * list.size());
    list.clear();
  }
}

}  // namespace minidl

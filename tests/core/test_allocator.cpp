// The caching allocator: a steady-state training step takes every block from the cache.
#include <gtest/gtest.h>

#include <cstdint>

#include "minidl/minidl.h"

namespace minidl {
namespace {

TEST(Allocator, BlocksAreReusedAndAligned) {
  AllocatorStats before = allocator_stats();
  { Tensor a = zeros({1000}); }
  AllocatorStats mid = allocator_stats();
  { Tensor b = zeros({1000}); EXPECT_EQ(reinterpret_cast<uintptr_t>(b.raw_data()) % 64, 0u); }
  AllocatorStats after = allocator_stats();
  EXPECT_EQ(after.system_allocations, mid.system_allocations);  // the second one came from the cache
  EXPECT_GE(after.cache_hits, before.cache_hits + 1);
  EXPECT_EQ(after.live_blocks, before.live_blocks);
}

TEST(Allocator, SteadyStateTrainingStepMakesNoSystemAllocation) {
  Generator gen(0);
  Tensor w1 = uniform({25, 2}, -0.5, 0.5, gen).requires_grad_(), b1 = zeros({25}).requires_grad_();
  Tensor w2 = uniform({2, 25}, -0.5, 0.5, gen).requires_grad_(), b2 = zeros({2}).requires_grad_();
  Tensor x = rand({50, 2}, gen), target = rand({50, 2}, gen);
  std::vector<Tensor*> params{&w1, &b1, &w2, &b2};
  auto step = [&] {
    for (Tensor* p : params) {
      if (p->grad().defined()) p->grad().zero_();
    }
    Tensor loss = mean(pow(linear(relu(linear(x, w1, b1)), w2, b2) - target, 2));
    loss.backward();
    NoGradGuard no_grad;
    for (Tensor* p : params) p->add_(p->grad(), -0.01);
  };
  for (int i = 0; i < 3; ++i) step();
  int64_t system_before = allocator_stats().system_allocations;
  int64_t hits_before = allocator_stats().cache_hits;
  for (int i = 0; i < 100; ++i) step();
  EXPECT_EQ(allocator_stats().system_allocations, system_before);
  EXPECT_GT(allocator_stats().cache_hits, hits_before);  // the steps did allocate, from the cache
}

TEST(Allocator, EmptyCacheReleasesCachedBlocks) {
  { Tensor a = zeros({4096}); }
  EXPECT_GT(allocator_stats().cached_blocks, 0);
  empty_cache();
  EXPECT_EQ(allocator_stats().cached_blocks, 0);
  EXPECT_EQ(allocator_stats().cached_bytes, 0);
}

// trim_cache returns the blocks of at least the given size and keeps the smaller ones.
TEST(Allocator, TrimCacheReleasesOnlyLargeBlocks) {
  empty_cache();
  {
    Tensor big = zeros({1 << 19});     // 2 MiB: the shared large cache
    Tensor medium = zeros({1 << 15});  // 128 KiB: large cache, under the bound
    Tensor small = zeros({1024});      // 4 KiB: this thread's small cache
  }
  const AllocatorStats before = allocator_stats();
  EXPECT_EQ(before.cached_blocks, 3);
  trim_cache(size_t{1} << 20);
  AllocatorStats after = allocator_stats();
  EXPECT_EQ(after.cached_blocks, 2);
  EXPECT_EQ(after.cached_bytes, before.cached_bytes - (int64_t{1} << 21));
  trim_cache(4096);  // the 4 KiB block too: the bound is inclusive
  after = allocator_stats();
  EXPECT_EQ(after.cached_blocks, 0);
  EXPECT_EQ(after.cached_bytes, 0);
  // A trimmed size is allocated again from the system, a kept one from the cache.
  const int64_t system_before = allocator_stats().system_allocations;
  { Tensor again = zeros({1 << 19}); }
  EXPECT_EQ(allocator_stats().system_allocations, system_before + 1);
}

}  // namespace
}  // namespace minidl

// DistributedSampler against torch.utils.data.DistributedSampler (the unshuffled values below are
// PyTorch 1.13's), and the DataLoader's two data-parallel modes: a sampler, and num_replicas/rank.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "minidl/data/distributed_sampler.h"
#include "minidl/data/loader.h"
#include "minidl/error.h"
#include "minidl/random.h"

namespace minidl::data {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

std::vector<int64_t> ints(const Tensor& t) {
  return std::vector<int64_t>(t.data<int64_t>(), t.data<int64_t>() + t.numel());
}

std::vector<int64_t> sampled(int64_t n, DistributedSamplerOptions options) {
  return ints(DistributedSampler(n, options).indices());
}

// A data set whose example i has input i, so a batch shows which examples it holds.
TensorDataset numbered(int64_t n) {
  return TensorDataset(arange(0.0, static_cast<double>(n), 1.0, kFloat64).reshape({n, 1}), zeros({n}, kInt64), Tensor(), 2);
}

std::vector<int64_t> rows_of(const Batch& b) {
  std::vector<int64_t> out;
  for (double v : b.inputs.to_vector()) out.push_back(static_cast<int64_t>(v));
  return out;
}

TEST(DistributedSampler, PadsByWrappingAroundAsPyTorch) {
  // torch: [list(DistributedSampler(range(10), num_replicas=3, rank=r, shuffle=False)) for r in range(3)]
  EXPECT_THAT(sampled(10, {.num_replicas = 3, .rank = 0, .shuffle = false}), ElementsAre(0, 3, 6, 9));
  EXPECT_THAT(sampled(10, {.num_replicas = 3, .rank = 1, .shuffle = false}), ElementsAre(1, 4, 7, 0));
  EXPECT_THAT(sampled(10, {.num_replicas = 3, .rank = 2, .shuffle = false}), ElementsAre(2, 5, 8, 1));
  // Fewer examples than ranks: the permutation repeats as often as needed ([0], [1], [0], [1], [0]).
  EXPECT_THAT(sampled(2, {.num_replicas = 5, .rank = 4, .shuffle = false}), ElementsAre(0));
  EXPECT_THAT(sampled(2, {.num_replicas = 5, .rank = 3, .shuffle = false}), ElementsAre(1));
  DistributedSampler s(10, {.num_replicas = 3, .rank = 0});
  EXPECT_EQ(s.num_samples(), 4);
  EXPECT_EQ(s.total_size(), 12);
}

TEST(DistributedSampler, DropLastDropsTheTailAsPyTorch) {
  EXPECT_THAT(sampled(10, {.num_replicas = 3, .rank = 0, .shuffle = false, .drop_last = true}), ElementsAre(0, 3, 6));
  EXPECT_THAT(sampled(10, {.num_replicas = 3, .rank = 2, .shuffle = false, .drop_last = true}), ElementsAre(2, 5, 8));
  EXPECT_EQ(DistributedSampler(10, {.num_replicas = 3, .drop_last = true}).total_size(), 9);
}

TEST(DistributedSampler, ShufflesOncePerEpochFromSeedPlusEpochOnEveryRank) {
  const int64_t n = 23, replicas = 4;
  for (int64_t epoch : {0, 5}) {
    Generator gen(11 + static_cast<uint64_t>(epoch));
    std::vector<int64_t> perm = ints(randperm(n, gen));
    for (int64_t rank = 0; rank < replicas; ++rank) {
      DistributedSampler s(n, {.num_replicas = replicas, .rank = rank, .seed = 11});
      s.set_epoch(epoch);
      std::vector<int64_t> mine = ints(s.indices());
      ASSERT_EQ(static_cast<int64_t>(mine.size()), 6);
      for (int64_t i = 0; i < 6; ++i) EXPECT_EQ(mine[i], perm[(rank + i * replicas) % n]) << rank << " " << i;
    }
  }
  DistributedSampler a(n, {.num_replicas = 2, .seed = 11}), b(n, {.num_replicas = 2, .seed = 11});
  b.set_epoch(1);
  EXPECT_NE(ints(a.indices()), ints(b.indices()));  // a new order each epoch
}

TEST(DistributedSampler, ErrorsNameTheOption) {
  try {
    DistributedSampler(10, {.num_replicas = 2, .rank = 2});
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_THAT(e.what(), HasSubstr("rank must be in [0, 1] for num_replicas 2, got 2"));
  }
  EXPECT_THROW(DistributedSampler(10, {.num_replicas = 0}), ValueError);
  EXPECT_THROW(DistributedSampler(0, {}), ValueError);
  EXPECT_THROW(DistributedSampler(2, {.num_replicas = 3, .drop_last = true}), ValueError);
}

TEST(DataLoader, WithADistributedSamplerBatchesTheRanksShareAndSetsItsEpoch) {
  TensorDataset data = numbered(10);
  DataLoader loader(data, DistributedSampler(10, {.num_replicas = 3, .rank = 1, .shuffle = false}), {.batch_size = 3});
  ASSERT_EQ(loader.num_batches(), 2);
  loader.start_epoch();
  EXPECT_THAT(rows_of(loader.batch(0)), ElementsAre(1, 4, 7));
  EXPECT_THAT(rows_of(loader.batch(1)), ElementsAre(0));  // the wrapped-around pad
  // Shuffled: epoch e is Generator(seed + e)'s permutation, rank-strided.
  DataLoader shuffled(data, DistributedSampler(10, {.num_replicas = 2, .rank = 0, .seed = 3}), {.batch_size = 5});
  for (int64_t epoch = 0; epoch < 2; ++epoch) {
    shuffled.start_epoch();
    Generator gen(3 + static_cast<uint64_t>(epoch));
    std::vector<int64_t> perm = ints(randperm(10, gen));
    EXPECT_THAT(rows_of(shuffled.batch(0)), ElementsAre(perm[0], perm[2], perm[4], perm[6], perm[8]));
  }
  EXPECT_THROW(DataLoader(data, DistributedSampler(10, {.num_replicas = 2}), {.batch_size = 2, .shuffle = true}),
               ValueError);
  EXPECT_THROW(DataLoader(data, DistributedSampler(9, {.num_replicas = 2}), {.batch_size = 2}), ValueError);
}

// Rank r's batch i is rows r, r + N, ... of the one-process batch i, so the ranks together hold
// exactly the one-process batch, also the ragged last one (1000 rows, batch 64, 3 ranks: 40 rows
// shared 14/13/13).
TEST(DataLoader, NumReplicasSplitsEachGlobalBatchRankStrided) {
  TensorDataset data = numbered(1000);
  DataLoader one(data, {.batch_size = 64, .shuffle = true, .seed = 5});
  std::vector<DataLoader> ranks;
  for (int64_t r = 0; r < 3; ++r) {
    ranks.emplace_back(data, DataLoaderOptions{.batch_size = 64, .shuffle = true, .seed = 5, .num_replicas = 3, .rank = r});
  }
  for (int epoch = 0; epoch < 2; ++epoch) {
    one.start_epoch();
    for (DataLoader& l : ranks) l.start_epoch();
    ASSERT_EQ(one.num_batches(), 16);
    for (int64_t i = 0; i < one.num_batches(); ++i) {
      std::vector<int64_t> global = rows_of(one.batch(i));
      std::vector<int64_t> together;
      for (int64_t r = 0; r < 3; ++r) {
        ASSERT_EQ(ranks[r].num_batches(), 16);
        std::vector<int64_t> mine = rows_of(ranks[r].batch(i));
        for (size_t k = 0; k < mine.size(); ++k) EXPECT_EQ(mine[k], global[r + 3 * k]);
        together.insert(together.end(), mine.begin(), mine.end());
        if (i == 15) {
          EXPECT_EQ(mine.size(), r == 0 ? 14u : 13u);
        }
      }
      std::sort(global.begin(), global.end());
      std::sort(together.begin(), together.end());
      EXPECT_EQ(together, global) << "batch " << i;
    }
  }
}

TEST(DataLoader, NumReplicasGivesAnEmptyShareWhenTheLastBatchIsSmallerThanTheRanks) {
  TensorDataset data = numbered(9);  // batch 4: 4, 4, 1 rows
  DataLoader rank2(data, {.batch_size = 4, .num_replicas = 3, .rank = 2});
  rank2.start_epoch();
  EXPECT_THAT(rows_of(rank2.batch(0)), ElementsAre(2));
  EXPECT_EQ(rank2.batch(2).size(), 0);
  try {
    DataLoader(data, {.batch_size = 4, .num_replicas = 2, .rank = -1});
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_THAT(e.what(), HasSubstr("rank must be in [0, 1] for num_replicas 2, got -1"));
  }
}

}  // namespace
}  // namespace minidl::data

// DataLoader: every example once per epoch, reshuffled between epochs, reproducible from the
// seed and from a saved generator state, drop_last, and clear errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "minidl/data/loader.h"
#include "minidl/error.h"

using namespace minidl;
using namespace minidl::data;
using ::testing::HasSubstr;

namespace {

// Example i has input (i, -i) and label i % 2, so a batch tells which examples it holds.
TensorDataset numbered(int64_t n) {
  std::vector<double> x;
  std::vector<int64_t> y;
  for (int64_t i = 0; i < n; ++i) {
    x.push_back(static_cast<double>(i));
    x.push_back(-static_cast<double>(i));
    y.push_back(i % 2);
  }
  return TensorDataset(tensor(x, {n, 2}), tensor(y));
}

// The example ids of one epoch, batch by batch.
std::vector<std::vector<int64_t>> run_epoch(DataLoader& loader) {
  std::vector<std::vector<int64_t>> epoch;
  for (const Batch& batch : loader) {
    std::vector<int64_t> ids;
    for (int64_t i = 0; i < batch.size(); ++i) {
      int64_t id = static_cast<int64_t>(batch.inputs.at({i, 0}));
      EXPECT_EQ(batch.inputs.at({i, 1}), -static_cast<double>(id));  // rows stay whole
      EXPECT_EQ(batch.labels.at({i}), static_cast<double>(id % 2));   // labels follow their inputs
      ids.push_back(id);
    }
    epoch.push_back(ids);
  }
  return epoch;
}

std::vector<int64_t> flat(const std::vector<std::vector<int64_t>>& epoch) {
  std::vector<int64_t> all;
  for (const auto& b : epoch) all.insert(all.end(), b.begin(), b.end());
  return all;
}

std::vector<int64_t> iota(int64_t n) {
  std::vector<int64_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

}  // namespace

TEST(DataLoader, WithoutShuffleBatchesAreInOrderAndTheLastIsShort) {
  DataLoader loader(numbered(10), {.batch_size = 4});
  EXPECT_EQ(loader.num_batches(), 3);
  auto epoch = run_epoch(loader);
  ASSERT_EQ(epoch.size(), 3u);
  EXPECT_EQ(epoch[0], (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(epoch[2], (std::vector<int64_t>{8, 9}));
  EXPECT_EQ(loader.epoch(), 1);
  EXPECT_EQ(run_epoch(loader), epoch);
  EXPECT_EQ(loader.epoch(), 2);
}

TEST(DataLoader, ShuffledEpochsCoverEveryExampleOnceAndDiffer) {
  DataLoader loader(numbered(103), {.batch_size = 10, .shuffle = true, .seed = 3});
  EXPECT_EQ(loader.num_batches(), 11);
  std::vector<int64_t> previous;
  for (int e = 0; e < 3; ++e) {
    auto epoch = run_epoch(loader);
    ASSERT_EQ(epoch.size(), 11u);
    EXPECT_EQ(epoch.back().size(), 3u);
    std::vector<int64_t> ids = flat(epoch);
    EXPECT_NE(ids, iota(103)) << "epoch " << e << " is not shuffled";
    EXPECT_NE(ids, previous) << "epoch " << e << " repeats the previous order";
    previous = ids;
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(ids, iota(103)) << "epoch " << e << " misses or repeats an example";
  }
}

TEST(DataLoader, SameSeedSameOrderDifferentSeedDifferentOrder) {
  DataLoader a(numbered(50), {.batch_size = 7, .shuffle = true, .seed = 11});
  DataLoader b(numbered(50), {.batch_size = 7, .shuffle = true, .seed = 11});
  DataLoader c(numbered(50), {.batch_size = 7, .shuffle = true, .seed = 12});
  for (int e = 0; e < 2; ++e) {
    auto ea = run_epoch(a);
    EXPECT_EQ(ea, run_epoch(b));
    EXPECT_NE(ea, run_epoch(c));
  }
}

TEST(DataLoader, DropLastDropsTheShortBatch) {
  DataLoader loader(numbered(10), {.batch_size = 4, .shuffle = true, .drop_last = true});
  EXPECT_EQ(loader.num_batches(), 2);
  auto epoch = run_epoch(loader);
  ASSERT_EQ(epoch.size(), 2u);
  for (const auto& b : epoch) EXPECT_EQ(b.size(), 4u);
  std::vector<int64_t> ids = flat(epoch);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::unique(ids.begin(), ids.end()), ids.end());  // 8 distinct examples
  DataLoader exact(numbered(8), {.batch_size = 4, .drop_last = true});
  EXPECT_EQ(exact.num_batches(), 2);
}

TEST(DataLoader, ResumingFromTheStateDictContinuesBitwise) {
  DataLoader a(numbered(40), {.batch_size = 8, .shuffle = true, .seed = 5});
  run_epoch(a);
  run_epoch(a);
  StateDict state = a.state_dict();
  auto third = run_epoch(a);
  auto fourth = run_epoch(a);

  DataLoader b(numbered(40), {.batch_size = 8, .shuffle = true, .seed = 999});  // another seed
  b.load_state_dict(state);
  EXPECT_EQ(b.epoch(), 2);
  EXPECT_EQ(run_epoch(b), third);
  EXPECT_EQ(run_epoch(b), fourth);
  EXPECT_EQ(b.epoch(), 4);

  // The generator itself can be saved and restored too.
  DataLoader c(numbered(40), {.batch_size = 8, .shuffle = true, .seed = 5});
  run_epoch(c);
  Generator::State g = c.generator().state();
  auto second = run_epoch(c);
  c.generator().set_state(g);
  EXPECT_EQ(run_epoch(c), second);
}

TEST(DataLoader, StartEpochAndBatchAccess) {
  DataLoader loader(numbered(5), {.batch_size = 2});
  loader.start_epoch();
  EXPECT_EQ(loader.batch(2).size(), 1);
  EXPECT_EQ(loader.batch(2).inputs.at({0, 0}), 4.0);
  EXPECT_THROW(loader.batch(3), IndexError);
}

TEST(DataLoader, Errors) {
  try {
    DataLoader(numbered(5), {.batch_size = 0});
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_THAT(e.what(), HasSubstr("batch_size must be >= 1, got 0"));
  }
  try {
    DataLoader(TensorDataset(), {.batch_size = 4});
    FAIL();
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("the data set is empty (0 examples)"));
  }
  try {
    DataLoader(numbered(3), {.batch_size = 4, .drop_last = true});
    FAIL();
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("drop_last with batch_size 4 and only 3 examples"));
  }
  DataLoader loader(numbered(3), {.batch_size = 2});
  StateDict bad;
  bad.insert("epoch", scalar_tensor(1, kInt64));
  bad.insert("generator", zeros({6}, kInt64));
  try {
    loader.load_state_dict(bad);
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_THAT(e.what(), HasSubstr("all zeros"));
  }
  EXPECT_EQ(loader.epoch(), 0);
}

// DataLoader: mini-batches of a Dataset, reshuffled each epoch from its own seeded Generator,
// as torch.utils.data.DataLoader (single process). Iterating the loader runs one epoch:
//   DataLoader loader(splits.train, {.batch_size = 50, .shuffle = true, .seed = 0});
//   for (int e = 0; e < 10; ++e)
//     for (const Batch& batch : loader) { ... }
// Data-parallel, each rank takes its share of every batch, in one of two ways:
// - num_replicas/rank in the options: every rank draws the one-process loader's order and takes
//   rows rank, rank + N, ... of each global batch of batch_size, so the N ranks together train
//   on exactly the one-process run's batches (a ragged last batch leaves ranks uneven shares);
// - a DistributedSampler (PyTorch's algorithm): batch_size is per rank, the order is the
//   sampler's (seed + epoch), padded or dropped to divide evenly.
#pragma once

#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <type_traits>

#include "minidl/data/dataset.h"
#include "minidl/data/distributed_sampler.h"
#include "minidl/random.h"
#include "minidl/state_dict.h"

namespace minidl::data {

struct DataLoaderOptions {
  int64_t batch_size = 1;
  bool shuffle = false;
  bool drop_last = false;  // drop the last batch when it is smaller than batch_size
  uint64_t seed = 0;       // seeds generator(); used only when shuffle is set
  // This process's share of every batch: rows rank, rank + num_replicas, ... of global batch i
  // (DistributedSampler's rank striding, applied to the one-process order).
  int64_t num_replicas = 1;
  int64_t rank = 0;
};

class DataLoader {
 public:
  // Errors: batch_size < 1 is a ValueError; an empty data set, or drop_last with fewer examples
  // than one batch, is a DataError.
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options = {});
  // Takes a copy of a concrete data set (TensorDataset and FashionMnist copy cheaply: they share
  // their storage).
  template <class D, class = std::enable_if_t<std::is_base_of_v<Dataset, std::decay_t<D>>>>
  DataLoader(D&& dataset, DataLoaderOptions options = {})
      : DataLoader(std::make_shared<const std::decay_t<D>>(std::forward<D>(dataset)), options) {}
  // The indices of each epoch come from `sampler` (its epoch is set to the loader's epoch count at
  // each start_epoch); batch_size is per rank. shuffle and num_replicas must stay off: the sampler
  // does both (PyTorch: "sampler option is mutually exclusive with shuffle").
  DataLoader(std::shared_ptr<const Dataset> dataset, DistributedSampler sampler, DataLoaderOptions options = {});
  template <class D, class = std::enable_if_t<std::is_base_of_v<Dataset, std::decay_t<D>>>>
  DataLoader(D&& dataset, DistributedSampler sampler, DataLoaderOptions options = {})
      : DataLoader(std::make_shared<const std::decay_t<D>>(std::forward<D>(dataset)), std::move(sampler), options) {}

  class Iterator;
  // begin() starts a new epoch: it draws a fresh permutation (randperm from generator()) when
  // shuffling, and increments epoch(). Each epoch visits every example exactly once (minus the
  // dropped tail with drop_last).
  Iterator begin();
  Iterator end();

  // Starts an epoch without iterating (then call batch(i) for i < num_batches()).
  void start_epoch();
  // Batch i of the current epoch (start_epoch() or begin() first). With num_replicas > 1 it is
  // this rank's share, which is empty (0 rows) when the last batch has fewer rows than ranks.
  Batch batch(int64_t i) const;

  int64_t num_batches() const;  // the same on every rank
  int64_t epoch() const { return epoch_; }  // epochs started so far
  int64_t batch_size() const { return options_.batch_size; }
  const Dataset& dataset() const { return *dataset_; }
  const DataLoaderOptions& options() const { return options_; }

  // The shuffling generator. Saving its state (or state_dict()) after an epoch and restoring it
  // in a new loader makes the following epochs bitwise identical (resumed training).
  Generator& generator() { return generator_; }
  // {"epoch": int64 (), "generator": int64 (6) = the 4 xoshiro words, has_spare, spare's bits}.
  StateDict state_dict() const;
  void load_state_dict(const StateDict& state);

  // The example order of the current epoch: int64 (size()).
  const Tensor& order() const { return order_; }

  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    using pointer = const Batch*;
    using reference = const Batch&;

    Iterator() = default;
    const Batch& operator*() const { return batch_; }
    const Batch* operator->() const { return &batch_; }
    Iterator& operator++();
    void operator++(int) { ++*this; }
    bool operator==(const Iterator& other) const { return index_ == other.index_; }
    int64_t index() const { return index_; }

   private:
    friend class DataLoader;
    Iterator(const DataLoader* loader, int64_t index);
    const DataLoader* loader_ = nullptr;
    int64_t index_ = 0;
    Batch batch_;
  };

 private:
  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  Generator generator_;
  std::optional<DistributedSampler> sampler_;
  Tensor order_;
  int64_t epoch_ = 0;
};

}  // namespace minidl::data

// DistributedSampler: this rank's share of a data set's indices, with the algorithm of PyTorch's
// torch.utils.data.DistributedSampler (minidl's Generator in place of torch's): every rank draws
// the same permutation from a generator seeded with seed + epoch, pads it by wrapping around (or
// drops the tail, with drop_last) to a multiple of num_replicas, and takes every num_replicas-th
// index from `rank`. Batching a rank's indices by B/N then gives, over all ranks together, rows
// [i B, (i+1) B) of the permutation: global batch i.
//   DistributedSampler sampler(train.size(), {.num_replicas = dist::world_size(), .rank = dist::rank()});
//   DataLoader loader(train, sampler, {.batch_size = 16});  // sets the sampler's epoch each epoch
#pragma once

#include <cstdint>

#include "minidl/tensor.h"

namespace minidl::data {

struct DistributedSamplerOptions {
  int64_t num_replicas = 1;
  int64_t rank = 0;
  bool shuffle = true;
  uint64_t seed = 0;       // the same on every rank
  bool drop_last = false;  // drop the tail instead of padding it with indices from the start
};

// Throws ValueError, prefixed with `owner` ("DistributedSampler", "DataLoader"), unless
// num_replicas >= 1 and rank is in [0, num_replicas).
void check_replica_rank(const char* owner, int64_t num_replicas, int64_t rank);

class DistributedSampler {
 public:
  // Errors: num_replicas < 1, rank outside [0, num_replicas), or an empty data set (ValueError).
  DistributedSampler(int64_t dataset_size, DistributedSamplerOptions options);

  // The permutation of the next indices() is drawn from Generator(seed + epoch), as PyTorch's
  // set_epoch: call it before each epoch, or every epoch has the same order.
  void set_epoch(int64_t epoch) { epoch_ = epoch; }
  int64_t epoch() const { return epoch_; }

  // This rank's indices for the current epoch: int64 (num_samples()).
  Tensor indices() const;

  // PyTorch's num_samples and total_size: ceil(n / N) and N ceil(n / N), or with drop_last
  // floor(n / N) and N floor(n / N).
  int64_t num_samples() const { return num_samples_; }
  int64_t total_size() const { return num_samples_ * options_.num_replicas; }
  int64_t dataset_size() const { return dataset_size_; }
  const DistributedSamplerOptions& options() const { return options_; }

 private:
  int64_t dataset_size_;
  DistributedSamplerOptions options_;
  int64_t num_samples_;
  int64_t epoch_ = 0;
};

}  // namespace minidl::data

// DistributedSampler: torch/utils/data/distributed.py's __iter__, step for step.
#include "minidl/data/distributed_sampler.h"

#include <string>

#include "minidl/error.h"
#include "minidl/random.h"

namespace minidl::data {

void check_replica_rank(const char* owner, int64_t num_replicas, int64_t rank) {
  if (num_replicas < 1) {
    throw ValueError(std::string(owner) + ": num_replicas must be >= 1, got " + std::to_string(num_replicas));
  }
  if (rank < 0 || rank >= num_replicas) {
    throw ValueError(std::string(owner) + ": rank must be in [0, " + std::to_string(num_replicas - 1) +
                     "] for num_replicas " + std::to_string(num_replicas) + ", got " + std::to_string(rank));
  }
}

DistributedSampler::DistributedSampler(int64_t dataset_size, DistributedSamplerOptions options)
    : dataset_size_(dataset_size), options_(options) {
  check_replica_rank("DistributedSampler", options_.num_replicas, options_.rank);
  if (dataset_size_ < 1) throw ValueError("DistributedSampler: the data set is empty (0 examples)");
  int64_t n = dataset_size_, replicas = options_.num_replicas;
  if (options_.drop_last && n < replicas) {
    throw ValueError("DistributedSampler: drop_last with " + std::to_string(n) + " examples and " +
                     std::to_string(replicas) + " replicas leaves no example for any rank");
  }
  num_samples_ = options_.drop_last ? n / replicas : (n + replicas - 1) / replicas;
}

Tensor DistributedSampler::indices() const {
  int64_t n = dataset_size_;
  Tensor order;
  if (options_.shuffle) {
    Generator gen(options_.seed + static_cast<uint64_t>(epoch_));
    order = randperm(n, gen);
  } else {
    order = arange(n, kInt64);
  }
  const int64_t* all = order.data<int64_t>();
  Tensor mine = Tensor::empty({num_samples_}, kInt64);
  int64_t* out = mine.data<int64_t>();
  // Padded index k (k < total_size()) is all[k mod n]: PyTorch repeats the permutation from its start
  // as often as needed; dropped, total <= n and the tail beyond it is never read.
  for (int64_t i = 0, k = options_.rank; i < num_samples_; ++i, k += options_.num_replicas) {
    out[i] = all[k % n];
  }
  return mine;
}

}  // namespace minidl::data

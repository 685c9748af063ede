// DataLoader: the epoch's order is one int64 tensor (randperm, arange or a sampler's indices);
// batch i is the data set's get_batch on a view of rows [i B, (i+1) B) of it, so no index is
// copied (a rank's strided share of a batch is the one copy).
#include "minidl/data/loader.h"

#include <string>

#include "minidl/error.h"
#include "minidl/generator_state.h"
#include "minidl/ops/index.h"

namespace minidl::data {

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(options), generator_(options.seed) {
  if (!dataset_) throw ValueError("DataLoader: the data set is null");
  if (options_.batch_size < 1) {
    throw ValueError("DataLoader: batch_size must be >= 1, got " + std::to_string(options_.batch_size));
  }
  int64_t n = dataset_->size();
  if (n == 0) throw DataError("DataLoader: the data set is empty (0 examples)");
  if (options_.drop_last && n < options_.batch_size) {
    throw DataError("DataLoader: drop_last with batch_size " + std::to_string(options_.batch_size) + " and only " +
                    std::to_string(n) + " examples would give no batch at all");
  }
  check_replica_rank("DataLoader", options_.num_replicas, options_.rank);
  order_ = arange(n, kInt64);
}

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DistributedSampler sampler, DataLoaderOptions options)
    : DataLoader(std::move(dataset), options) {
  if (options_.shuffle) {
    throw ValueError("DataLoader: shuffle must be off with a DistributedSampler (the sampler shuffles)");
  }
  if (options_.num_replicas != 1) {
    throw ValueError("DataLoader: num_replicas must be 1 with a DistributedSampler (the sampler shares the indices "
                     "among ranks), got " + std::to_string(options_.num_replicas));
  }
  if (sampler.dataset_size() != dataset_->size()) {
    throw ValueError("DataLoader: the DistributedSampler is for " + std::to_string(sampler.dataset_size()) +
                     " examples, the data set has " + std::to_string(dataset_->size()));
  }
  if (options_.drop_last && sampler.num_samples() < options_.batch_size) {
    throw DataError("DataLoader: drop_last with batch_size " + std::to_string(options_.batch_size) +
                    " and only " + std::to_string(sampler.num_samples()) + " examples per rank would give no batch");
  }
  sampler_ = std::move(sampler);
  order_ = sampler_->indices();
}

int64_t DataLoader::num_batches() const {
  int64_t n = sampler_ ? sampler_->num_samples() : dataset_->size(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

void DataLoader::start_epoch() {
  // With shuffle off the order stays 0..n-1 and the generator is never touched.
  if (sampler_) {
    sampler_->set_epoch(epoch_);  // PyTorch leaves this call to the user; forgetting it repeats epoch 0's order
    order_ = sampler_->indices();
  } else if (options_.shuffle) {
    order_ = randperm(dataset_->size(), generator_);
  }
  ++epoch_;
}

Batch DataLoader::batch(int64_t i) const {
  if (i < 0 || i >= num_batches()) {
    throw IndexError("DataLoader: batch " + std::to_string(i) + " is out of range for " +
                     std::to_string(num_batches()) + " batches");
  }
  int64_t start = i * options_.batch_size;
  int64_t end = std::min(start + options_.batch_size, order_.numel());
  if (options_.num_replicas == 1) return dataset_->get_batch(slice_rows(order_, start, end));
  // Rows start + rank, start + rank + N, ... of the global batch: DistributedSampler's striding.
  int64_t first = start + options_.rank, step = options_.num_replicas;
  int64_t count = first < end ? (end - first + step - 1) / step : 0;
  Tensor mine = Tensor::empty({count}, kInt64);
  const int64_t* order = order_.data<int64_t>();
  int64_t* out = mine.data<int64_t>();
  for (int64_t k = 0; k < count; ++k) out[k] = order[first + k * step];
  return dataset_->get_batch(mine);
}

DataLoader::Iterator DataLoader::begin() {
  start_epoch();
  return Iterator(this, 0);
}

DataLoader::Iterator DataLoader::end() {
  Iterator it;
  it.index_ = num_batches();
  return it;
}

DataLoader::Iterator::Iterator(const DataLoader* loader, int64_t index) : loader_(loader), index_(index) {
  if (index_ < loader_->num_batches()) batch_ = loader_->batch(index_);
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  ++index_;
  batch_ = index_ < loader_->num_batches() ? loader_->batch(index_) : Batch{};
  return *this;
}

StateDict DataLoader::state_dict() const {
  StateDict state;
  state.insert("epoch", scalar_tensor(static_cast<double>(epoch_), kInt64));
  state.insert("generator", generator_state(generator_));
  return state;
}

void DataLoader::load_state_dict(const StateDict& state) {
  const Tensor& epoch = state.at("epoch");
  const Tensor& generator = state.at("generator");
  if (epoch.dtype() != kInt64 || epoch.numel() != 1) {
    throw ValueError("DataLoader::load_state_dict: expected int64 'epoch' (), got " + to_string(epoch.dtype()) + " " +
                     to_string(epoch.shape()));
  }
  int64_t e = epoch.data<int64_t>()[0];
  if (e < 0) throw ValueError("DataLoader::load_state_dict: epoch must be >= 0, got " + std::to_string(e));
  load_generator_state(generator_, generator, "DataLoader::load_state_dict");  // checks, then restores
  epoch_ = e;
}

}  // namespace minidl::data

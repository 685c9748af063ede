// DataLoader: the epoch's order is one int64 tensor (randperm or arange); batch i is the
// data set's get_batch on a view of rows [i B, (i+1) B) of it, so no index is copied.
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
  order_ = arange(n, kInt64);
}

int64_t DataLoader::num_batches() const {
  int64_t n = dataset_->size(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

void DataLoader::start_epoch() {
  // With shuffle off the order stays 0..n-1 and the generator is never touched.
  if (options_.shuffle) order_ = randperm(dataset_->size(), generator_);
  ++epoch_;
}

Batch DataLoader::batch(int64_t i) const {
  if (i < 0 || i >= num_batches()) {
    throw IndexError("DataLoader: batch " + std::to_string(i) + " is out of range for " +
                     std::to_string(num_batches()) + " batches");
  }
  int64_t start = i * options_.batch_size;
  int64_t end = std::min(start + options_.batch_size, dataset_->size());
  return dataset_->get_batch(slice_rows(order_, start, end));
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

// DataParallel: one model trained by every rank on its share of each global batch, with the
// semantics of PyTorch's DistributedDataParallel: rank 0's parameters and buffers at the start,
// and after each backward every gradient replaced by its mean over the global batch.
// Deterministic: the gradients travel in flat buckets that are gathered and summed in rank order,
// so every rank ends each step with the same bits, and the same world size and seed give the same
// bits every time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "minidl/nn/module.h"

namespace minidl::dist {

struct DataParallelOptions {
  int64_t bucket_bytes = 25 << 20;  // PyTorch's bucket_cap_mb = 25
  bool broadcast_buffers = true;    // start from rank 0's buffers too (batch norm's statistics)
};

class DataParallel {
 public:
  // Checks that every rank has the same set-up, then copies rank 0's parameters and buffers to
  // every rank. The set-up is `setup` (a config's text, say) plus every parameter's and buffer's
  // name, dtype and shape; each rank hashes its own, and when the hashes differ every rank throws
  // a ValueError naming the first rank that differs from rank 0 and its first different line,
  // instead of hanging in a collective with mismatched sizes later.
  explicit DataParallel(nn::Module& module, const std::string& setup = "", DataParallelOptions options = {});

  // After backward: every parameter's gradient becomes sum_r n_r g_r / sum_r n_r, where rank r
  // saw n_r = `local_count` examples and g_r is its gradient (the mean over its examples), i.e.
  // the gradient of the mean loss over the global batch, exact also when shares are uneven (a
  // ragged last batch). A rank with no examples passes 0 and its gradient is ignored. A parameter
  // without a gradient counts as zeros; after the call every parameter has one. In a world of one
  // it changes nothing. Returns sum_r n_r. Every rank must call it once per step, with the same
  // parameters; throws ValueError when the counts sum to 0.
  // The set-up is compared in full only at construction. Each step, every rank's hash of its
  // parameters' dtypes and shapes rides along with the counts (no collective of its own): when a
  // rank's differs from rank 0's (a layer added on one rank), every rank throws the constructor's
  // error, naming that rank and its first different line; when all changed alike, the buckets are
  // laid out anew.
  int64_t average_gradients(int64_t local_count);

  // Copies rank 0's buffers (batch norm's running statistics) to every rank. PyTorch does it before
  // every forward; since rank 0's buffers only ever follow rank 0's own batches, calling it before
  // the buffers are read (evaluation, checkpoints) gives the same values for less traffic.
  void broadcast_buffers();

  int64_t num_buckets() const { return static_cast<int64_t>(buckets_.size()); }

 private:
  struct Bucket {
    Dtype dtype;
    size_t begin = 0, end = 0;  // parameters() [begin, end), all of this dtype
    int64_t numel = 0;
  };
  void lay_out_buckets(const std::vector<Tensor>& params);

  nn::Module& module_;
  std::string setup_;
  DataParallelOptions options_;
  uint64_t layout_ = 0;  // layout_hash() of the parameters the buckets were laid out for
  std::vector<Bucket> buckets_;
};

// A hash of the parameters' count, dtypes and shapes, in order: what the buckets depend on.
uint64_t layout_hash(const std::vector<Tensor>& params);

// The set-up text DataParallel compares across ranks: `setup`, then one line per parameter and
// buffer ("parameter 0.weight float64 (25, 2)").
std::string describe_setup(const nn::Module& module, const std::string& setup);

// Throws the same ValueError on every rank unless every rank passed the same `text`: the hashes
// are compared first (one small collective), the texts only when they differ. `what` names the
// caller in the message ("DataParallel").
void check_same_on_every_rank(const std::string& text, const std::string& what);

}  // namespace minidl::dist

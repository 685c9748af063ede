// Collectives on tensors across the ranks of the job (dist/process_group.h), with PyTorch's names
// (torch.distributed.broadcast, all_reduce, all_gather). float32, float64 and int64 tensors.
// Every rank must call the same collectives in the same order with tensors of the same dtype and
// shape; a rank that differs is found before any value is used, and every rank throws the same
// ValueError naming it, instead of the job hanging or reading past a buffer. The check is one small
// gather, which also carries the values of a tensor of up to 256 bytes (one collective in all).
// Each waits at most dist::timeout() for the other ranks, then throws an Error naming the ranks
// that never came. In a world of one (no MPI, or not initialised) each is the identity.
#pragma once

#include <string>
#include <vector>

#include "minidl/tensor.h"

namespace minidl::dist {

enum class ReduceOp { sum, mean };

void barrier();

// Rank `root`'s values into `x` on every rank (in place).
void broadcast(Tensor& x, int root = 0);

// x becomes the sum (or mean) of x over ranks, in place, with the same bits on every rank: the
// values are gathered and added in rank order 0, 1, ..., N-1, so the result does not depend on
// MPI's choice of reduction tree, and the same world size gives the same bits every time.
// NOTE: this moves N times the data of a ring all-reduce; it is the price of exactness.
void all_reduce(Tensor& x, ReduceOp op = ReduceOp::sum);

// (N, *x.shape): row r is rank r's x.
Tensor all_gather(const Tensor& x);

// Every rank's string, in rank order (any lengths): for set-up checks and metrics.
std::vector<std::string> all_gather(const std::string& text);

namespace detail {
// The same collectives without the dtype and shape check (one small collective fewer each), for
// callers that checked once for many calls (DataParallel's buckets). Precondition: x is
// contiguous, and on every rank of the same dtype and numel.
void broadcast_unchecked(Tensor& x, int root);
Tensor all_gather_unchecked(const Tensor& x);  // (N, x.numel())
}  // namespace detail

}  // namespace minidl::dist

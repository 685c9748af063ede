// The collectives over MPI_COMM_WORLD. Each public one first gathers every rank's dtype and shape
// (one allgather of a few integers) so a mismatch is an error on every rank, never a hang; a
// tensor of up to 256 bytes (a step's loss and count, a stop flag) travels inside that same
// message, so it costs one collective, not two. The all-reduce is an allgather and a rank-order
// sum, so it gives the same bits on every rank.
#include "minidl/dist/collectives.h"

#include <array>
#include <climits>
#include <cstring>
#include <string>

#include "dist/mpi_check.h"
#include "minidl/dist/process_group.h"
#include "minidl/error.h"
#include "minidl/ops/elementwise.h"

namespace minidl::dist {

namespace {

bool single() { return world_size() == 1; }

#ifdef MINIDL_HAVE_MPI
MPI_Datatype mpi_type(Dtype dtype) {
  switch (dtype) {
    case kFloat32: return MPI_FLOAT;
    case kFloat64: return MPI_DOUBLE;
    case kInt64: return MPI_INT64_T;
  }
  return MPI_BYTE;
}

int mpi_count(int64_t n, const char* what) {
  if (n > INT_MAX) {
    throw ValueError(std::string(what) + ": " + std::to_string(n) + " elements is more than MPI's int count (" +
                     std::to_string(INT_MAX) + ") allows in one call");
  }
  return static_cast<int>(n);
}
#endif

#ifdef MINIDL_HAVE_MPI
// Dtype and shape as fixed-size integers: [dtype, dim, size 0, ..., size 7]. Deeper tensors are
// compared by dim and numel only (a 9-D tensor in a collective is not a real use).
constexpr int kMaxDims = 8;
using Signature = std::array<int64_t, 2 + kMaxDims>;

Signature signature_of(const Tensor& x) {
  Signature s{};
  s[0] = static_cast<int64_t>(x.dtype());
  s[1] = x.dim();
  if (x.dim() <= kMaxDims) {
    for (int64_t d = 0; d < x.dim(); ++d) s[2 + d] = x.size(d);
  } else {
    s[2] = x.numel();
  }
  return s;
}

std::string describe(const Signature& s) {
  std::vector<int64_t> sizes(s.begin() + 2, s.begin() + 2 + std::min<int64_t>(s[1], kMaxDims));
  return to_string(static_cast<Dtype>(s[0])) + " " + to_string(Shape(sizes));  // "float64 (3, 4)"
}
#endif

void check_dtype(const Tensor& x, const char* op) {
  if (!x.defined()) throw ValueError(std::string(op) + ": the tensor is undefined");
  if (x.dtype() != kFloat32 && x.dtype() != kFloat64 && x.dtype() != kInt64) {
    throw DtypeError(std::string(op) + ": expected float32, float64 or int64, got " + to_string(x.dtype()));
  }
}

#ifdef MINIDL_HAVE_MPI
// What each rank sends first: its signature, then its values when they fit in kInlineBytes (every
// rank sends the same fixed size whatever its tensor, so this message can never mismatch).
constexpr int64_t kInlineBytes = 256;
struct Header {
  Signature signature;
  alignas(8) char values[kInlineBytes];
};

bool fits_inline(const Tensor& x) {
  return x.numel() * static_cast<int64_t>(element_size(x.dtype())) <= kInlineBytes;
}

// Every rank's header, in rank order; throws the same ValueError on every rank when one rank's
// signature differs from rank 0's. When x fits inline, the headers hold every rank's values and
// the caller needs no second collective.
std::vector<Header> gather_headers(const Tensor& x, const char* op) {
  Header mine{};
  mine.signature = signature_of(x);
  if (fits_inline(x)) {
    std::memcpy(mine.values, x.raw_data(), static_cast<size_t>(x.numel()) * element_size(x.dtype()));
  }
  std::vector<Header> all(static_cast<size_t>(world_size()));
  MPI_Request request;
  detail::check_mpi(MPI_Iallgather(&mine, sizeof(Header), MPI_BYTE, all.data(), sizeof(Header), MPI_BYTE,
                                   MPI_COMM_WORLD, &request),
                    op);
  detail::wait(request, op);
  for (size_t r = 1; r < all.size(); ++r) {
    if (all[r].signature != all[0].signature) {
      throw ValueError(std::string(op) + ": rank " + std::to_string(r) + " passed a tensor of " +
                       describe(all[r].signature) + ", rank 0 one of " + describe(all[0].signature) +
                       "; every rank must pass the same dtype and shape");
    }
  }
  return all;
}

// The values in `headers` as one (N, x.numel()) tensor; x fits inline.
Tensor inline_values(const std::vector<Header>& headers, const Tensor& x) {
  Tensor out = Tensor::empty({static_cast<int64_t>(headers.size()), x.numel()}, x.dtype());
  size_t row_bytes = static_cast<size_t>(x.numel()) * element_size(x.dtype());
  for (size_t r = 0; r < headers.size(); ++r) {
    std::memcpy(static_cast<char*>(out.raw_data()) + r * row_bytes, headers[r].values, row_bytes);
  }
  return out;
}

// Adds the N rows of `gathered` (N, n) in rank order into `out` (n elements).
template <class T>
void sum_rows(const T* gathered, int64_t world, int64_t n, T* out) {
  std::memcpy(out, gathered, static_cast<size_t>(n) * sizeof(T));
  for (int64_t r = 1; r < world; ++r) {
    const T* row = gathered + r * n;
    for (int64_t i = 0; i < n; ++i) out[i] += row[i];
  }
}
#endif

}  // namespace

namespace detail {

void broadcast_unchecked(Tensor& x, int root) {
#ifdef MINIDL_HAVE_MPI
  if (single()) return;
  MPI_Request request;
  check_mpi(MPI_Ibcast(x.raw_data(), mpi_count(x.numel(), "dist::broadcast"), mpi_type(x.dtype()), root, MPI_COMM_WORLD,
                       &request),
            "dist::broadcast: MPI_Ibcast");
  wait(request, "dist::broadcast");
#else
  (void)x;
  (void)root;
#endif
}

Tensor all_gather_unchecked(const Tensor& x) {
  int64_t world = world_size();
  Tensor out = Tensor::empty({world, x.numel()}, x.dtype());
  if (world == 1) {
    std::memcpy(out.raw_data(), x.raw_data(), static_cast<size_t>(x.numel()) * element_size(x.dtype()));
    return out;
  }
#ifdef MINIDL_HAVE_MPI
  int count = mpi_count(x.numel(), "dist::all_gather");
  MPI_Request request;
  check_mpi(MPI_Iallgather(x.raw_data(), count, mpi_type(x.dtype()), out.raw_data(), count, mpi_type(x.dtype()),
                           MPI_COMM_WORLD, &request),
            "dist::all_gather: MPI_Iallgather");
  wait(request, "dist::all_gather");
#endif
  return out;
}

}  // namespace detail

void barrier() {
#ifdef MINIDL_HAVE_MPI
  if (single()) return;
  MPI_Request request;
  detail::check_mpi(MPI_Ibarrier(MPI_COMM_WORLD, &request), "dist::barrier: MPI_Ibarrier");
  detail::wait(request, "dist::barrier");
#endif
}

void broadcast(Tensor& x, int root) {
  check_dtype(x, "dist::broadcast");
  if (root < 0 || root >= world_size()) {
    throw ValueError("dist::broadcast: root " + std::to_string(root) + " is not a rank of a world of " +
                     std::to_string(world_size()));
  }
  if (single()) return;
#ifdef MINIDL_HAVE_MPI
  std::vector<Header> headers = gather_headers(x, "dist::broadcast");
  if (fits_inline(x)) {
    std::memcpy(x.raw_data(), headers[static_cast<size_t>(root)].values,
                static_cast<size_t>(x.numel()) * element_size(x.dtype()));
    return;
  }
  detail::broadcast_unchecked(x, root);
#endif
}

void all_reduce(Tensor& x, ReduceOp op) {
  check_dtype(x, "dist::all_reduce");
  if (op == ReduceOp::mean && x.dtype() == kInt64) throw DtypeError("dist::all_reduce: mean of an int64 tensor");
  if (single()) return;
#ifdef MINIDL_HAVE_MPI
  std::vector<Header> headers = gather_headers(x, "dist::all_reduce");
  Tensor gathered = fits_inline(x) ? inline_values(headers, x) : detail::all_gather_unchecked(x);
  int64_t world = world_size(), n = x.numel();
  if (x.dtype() == kFloat32) sum_rows(gathered.data<float>(), world, n, x.data<float>());
  if (x.dtype() == kFloat64) sum_rows(gathered.data<double>(), world, n, x.data<double>());
  if (x.dtype() == kInt64) sum_rows(gathered.data<int64_t>(), world, n, x.data<int64_t>());
  if (op == ReduceOp::mean) x.mul_(1.0 / static_cast<double>(world));
#endif
}

Tensor all_gather(const Tensor& x) {
  check_dtype(x, "dist::all_gather");
  std::vector<int64_t> dims{world_size()};
  for (int64_t d = 0; d < x.dim(); ++d) dims.push_back(x.size(d));
#ifdef MINIDL_HAVE_MPI
  if (!single()) {
    std::vector<Header> headers = gather_headers(x, "dist::all_gather");
    if (fits_inline(x)) return inline_values(headers, x).reshape(Shape(dims));
  }
#endif
  return detail::all_gather_unchecked(x).reshape(Shape(dims));
}

std::vector<std::string> all_gather(const std::string& text) {
  int world = world_size();
  if (world == 1) return {text};
  std::vector<std::string> out(static_cast<size_t>(world));
#ifdef MINIDL_HAVE_MPI
  int length = mpi_count(static_cast<int64_t>(text.size()), "dist::all_gather (string)");
  std::vector<int> lengths(static_cast<size_t>(world)), offsets(static_cast<size_t>(world));
  MPI_Request request;
  detail::check_mpi(MPI_Iallgather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, MPI_COMM_WORLD, &request),
                    "dist::all_gather (string): MPI_Iallgather");
  detail::wait(request, "dist::all_gather (string)");
  int64_t total = 0;
  for (int r = 0; r < world; ++r) {
    offsets[r] = static_cast<int>(total);
    total += lengths[r];
  }
  std::string all(static_cast<size_t>(mpi_count(total, "dist::all_gather (string)")), '\0');
  detail::check_mpi(MPI_Iallgatherv(text.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR,
                                    MPI_COMM_WORLD, &request),
                    "dist::all_gather (string): MPI_Iallgatherv");
  detail::wait(request, "dist::all_gather (string)");
  for (int r = 0; r < world; ++r) out[r] = all.substr(offsets[r], lengths[r]);
#endif
  return out;
}

}  // namespace minidl::dist

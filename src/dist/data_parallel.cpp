// DataParallel: the start-up check and broadcast, and the bucketed, sample-weighted gradient mean.
#include "minidl/dist/data_parallel.h"

#include <cstring>
#include <sstream>

#include "minidl/autograd/node.h"
#include "minidl/dist/collectives.h"
#include "minidl/dist/process_group.h"
#include "minidl/error.h"

namespace minidl::dist {

namespace {

constexpr uint64_t kFnvOffset = 1469598103934665603ull, kFnvPrime = 1099511628211ull;

uint64_t fnv1a(const std::string& text) {
  uint64_t h = kFnvOffset;
  for (unsigned char c : text) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

void mix(uint64_t& h, int64_t value) {
  for (int byte = 0; byte < 8; ++byte) {
    h ^= static_cast<uint64_t>(value) >> (8 * byte) & 0xff;
    h *= kFnvPrime;
  }
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) lines.push_back(line);
  return lines;
}

// Adds n_r g_r over the rows of `gathered` (N, numel), in rank order, into `out`, scaled by 1/total.
template <class T>
void weighted_sum(const T* gathered, const std::vector<int64_t>& counts, int64_t numel, int64_t total, T* out) {
  std::fill(out, out + numel, T(0));
  for (size_t r = 0; r < counts.size(); ++r) {
    if (counts[r] == 0) continue;
    const T* row = gathered + static_cast<int64_t>(r) * numel;
    const T weight = static_cast<T>(counts[r]);
    for (int64_t i = 0; i < numel; ++i) out[i] += weight * row[i];
  }
  const T scale = T(1) / static_cast<T>(total);
  for (int64_t i = 0; i < numel; ++i) out[i] *= scale;
}

}  // namespace

std::string describe_setup(const nn::Module& module, const std::string& setup) {
  std::string text = setup;
  if (!text.empty() && text.back() != '\n') text += '\n';
  for (const auto& [name, p] : module.named_parameters()) {
    text += "parameter " + name + " " + to_string(p.dtype()) + " " + to_string(p.shape()) + "\n";
  }
  for (const auto& [name, b] : module.named_buffers()) {
    text += "buffer " + name + " " + to_string(b.dtype()) + " " + to_string(b.shape()) + "\n";
  }
  return text;
}

uint64_t layout_hash(const std::vector<Tensor>& params) {
  uint64_t h = kFnvOffset;
  mix(h, static_cast<int64_t>(params.size()));
  for (const Tensor& p : params) {
    mix(h, static_cast<int64_t>(p.dtype()));
    mix(h, p.dim());
    for (int64_t d = 0; d < p.dim(); ++d) mix(h, p.size(d));
  }
  return h;
}

void check_same_on_every_rank(const std::string& text, const std::string& what) {
  if (world_size() == 1) return;
  Tensor hash = Tensor::empty({1}, kInt64);
  uint64_t h = fnv1a(text);
  std::memcpy(hash.data<int64_t>(), &h, sizeof h);
  Tensor hashes = all_gather(hash);
  const int64_t* all = hashes.data<int64_t>();
  int first_bad = -1;
  for (int r = 1; r < world_size() && first_bad < 0; ++r) {
    if (all[r] != all[0]) first_bad = r;
  }
  if (first_bad < 0) return;
  // Every rank takes this branch (they all saw the same hashes), so the texts' gather matches up.
  std::vector<std::string> texts = all_gather(text);
  std::vector<std::string> ours = split_lines(texts[0]), theirs = split_lines(texts[first_bad]);
  size_t line = 0;
  while (line < ours.size() && line < theirs.size() && ours[line] == theirs[line]) ++line;
  auto at = [&](const std::vector<std::string>& lines) {
    return line < lines.size() ? "'" + lines[line] + "'" : std::string("nothing (its set-up ends before)");
  };
  throw ValueError(what + ": rank " + std::to_string(first_bad) + "'s set-up differs from rank 0's at line " +
                   std::to_string(line + 1) + ": rank 0 has " + at(ours) + ", rank " + std::to_string(first_bad) +
                   " has " + at(theirs) + "; every rank must run the same config and model");
}

DataParallel::DataParallel(nn::Module& module, const std::string& setup, DataParallelOptions options)
    : module_(module), setup_(setup), options_(options) {
  if (options_.bucket_bytes < 1) {
    throw ValueError("DataParallel: bucket_bytes must be >= 1, got " + std::to_string(options_.bucket_bytes));
  }
  check_same_on_every_rank(describe_setup(module_, setup_), "DataParallel");
  {
    autograd::NoGradGuard no_grad;
    for (Tensor p : module_.parameters()) detail::broadcast_unchecked(p, 0);
  }
  broadcast_buffers();
  lay_out_buckets(module_.parameters());
}

// Buckets in parameters() order, a new one at a dtype change or when the next parameter would pass
// bucket_bytes (a parameter larger than that has a bucket of its own).
void DataParallel::lay_out_buckets(const std::vector<Tensor>& params) {
  buckets_.clear();
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    int64_t bytes = p.numel() * static_cast<int64_t>(element_size(p.dtype()));
    bool fits = !buckets_.empty() && buckets_.back().dtype == p.dtype() &&
                (buckets_.back().numel * static_cast<int64_t>(element_size(p.dtype())) + bytes <= options_.bucket_bytes);
    if (!fits) buckets_.push_back(Bucket{p.dtype(), i, i, 0});
    buckets_.back().end = i + 1;
    buckets_.back().numel += p.numel();
  }
  layout_ = layout_hash(params);
}

void DataParallel::broadcast_buffers() {
  if (!options_.broadcast_buffers) return;
  autograd::NoGradGuard no_grad;
  for (Tensor b : module_.buffers()) detail::broadcast_unchecked(b, 0);
}

int64_t DataParallel::average_gradients(int64_t local_count) {
  if (local_count < 0) throw ValueError("DataParallel::average_gradients: local_count must be >= 0, got " +
                                        std::to_string(local_count));
  // One small gather per step: every rank's count and parameter layout (see the header).
  std::vector<Tensor> params = module_.parameters();
  const uint64_t layout = layout_hash(params);
  Tensor mine = Tensor::empty({2}, kInt64);
  mine.data<int64_t>()[0] = local_count;
  std::memcpy(mine.data<int64_t>() + 1, &layout, sizeof layout);
  Tensor gathered = detail::all_gather_unchecked(mine);  // (N, 2)
  const int64_t* rows = gathered.data<int64_t>();
  std::vector<int64_t> counts;
  int64_t total = 0;
  for (int r = 0; r < world_size(); ++r) {
    counts.push_back(rows[2 * r]);
    total += rows[2 * r];
    if (rows[2 * r + 1] != rows[1]) {
      // Every rank saw the same layouts, so every rank is here: the texts' gather matches up.
      const std::string what = "DataParallel::average_gradients (the parameters changed since the start)";
      check_same_on_every_rank(describe_setup(module_, setup_), what);
      throw ValueError(what + ": rank " + std::to_string(r) + "'s parameters differ from rank 0's in dtype or shape; " +
                       "every rank must train the same model");  // the texts agree but the hashes did not
    }
  }
  if (total == 0) throw ValueError("DataParallel::average_gradients: no rank had an example in this step");
  if (world_size() == 1) return total;  // the gradients are the global batch's already, bit for bit
  if (layout != layout_) lay_out_buckets(params);  // every rank's changed alike

  autograd::NoGradGuard no_grad;
  for (const Bucket& bucket : buckets_) {
    // Pack this rank's gradients (zeros where there is none or the rank had no example).
    Tensor flat = Tensor::empty({bucket.numel}, bucket.dtype);
    size_t esize = element_size(bucket.dtype);
    char* dst = static_cast<char*>(flat.raw_data());
    for (size_t i = bucket.begin; i < bucket.end; ++i) {
      const Tensor& p = params[i];
      size_t nbytes = static_cast<size_t>(p.numel()) * esize;
      Tensor g = p.grad();
      if (g.defined() && local_count > 0) {
        std::memcpy(dst, g.raw_data(), nbytes);
      } else {
        std::memset(dst, 0, nbytes);
      }
      dst += nbytes;
    }
    Tensor all = detail::all_gather_unchecked(flat);
    if (bucket.dtype == kFloat32) weighted_sum(all.data<float>(), counts, bucket.numel, total, flat.data<float>());
    if (bucket.dtype == kFloat64) weighted_sum(all.data<double>(), counts, bucket.numel, total, flat.data<double>());
    // Unpack into the gradients, making one where a parameter had none.
    const char* src = static_cast<const char*>(flat.raw_data());
    for (size_t i = bucket.begin; i < bucket.end; ++i) {
      Tensor& p = params[i];
      size_t nbytes = static_cast<size_t>(p.numel()) * esize;
      Tensor g = p.grad();
      if (!g.defined()) {
        g = Tensor::empty(p.shape(), p.dtype());
        p.set_grad(g);
      }
      std::memcpy(g.raw_data(), src, nbytes);
      src += nbytes;
    }
  }
  return total;
}

}  // namespace minidl::dist

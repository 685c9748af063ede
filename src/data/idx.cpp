// IDX reader: header first, then the payload in chunks, so a header that claims billions of
// bytes costs only what the file really holds before the length error.
#include "minidl/data/idx.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "gzip_file.h"
#include "minidl/error.h"

namespace minidl::data {

namespace {

uint32_t big_endian(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

std::string hex(uint32_t v, int digits) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "0x%0*X", digits, v);
  return buffer;
}

std::string dims_string(const std::vector<int64_t>& dims) {
  std::string s = "(";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + (dims.size() == 1 ? ",)" : ")");
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

IdxArray read_idx(const std::string& path, int expected_dims) {
  detail::GzipFile file(path, "rb");
  uint8_t magic[4];
  size_t got = file.read(magic, 4);
  if (got < 4) {
    throw DataError(path + ": not an IDX file: " + std::to_string(got) + " bytes, shorter than the 4-byte magic number");
  }
  uint32_t m = big_endian(magic);
  int ndims = magic[3];
  if (magic[0] != 0 || magic[1] != 0 || ndims == 0 || ndims > 4) {
    throw DataError(path + ": not an IDX file: magic number " + hex(m, 8) +
                    " (expected 0x000008DD with DD the number of dims, 1 to 4, e.g. 0x00000801 for labels, "
                    "0x00000803 for images)");
  }
  if (magic[2] != 0x08) {
    throw DataError(path + ": IDX element type " + hex(magic[2], 2) + " is not supported (magic " + hex(m, 8) +
                    "); only unsigned bytes (0x08) are");
  }
  if (expected_dims > 0 && ndims != expected_dims) {
    throw DataError(path + ": expected a " + std::to_string(expected_dims) + "-dim IDX file (magic " +
                    hex(0x800u | unsigned(expected_dims), 8) + "), got " + std::to_string(ndims) + " dims (magic " +
                    hex(m, 8) + ")");
  }
  uint8_t sizes[16];
  got = file.read(sizes, 4 * ndims);
  if (got < size_t(4 * ndims)) {
    throw DataError(path + ": truncated IDX header: " + std::to_string(ndims) + " dims need " +
                    std::to_string(4 + 4 * ndims) + " bytes, the file has " + std::to_string(4 + got));
  }
  IdxArray out;
  uint64_t numel = 1;
  for (int d = 0; d < ndims; ++d) {
    uint32_t size = big_endian(sizes + 4 * d);
    out.dims.push_back(size);
    numel *= size;  // at most (2^32)^4 would overflow; cap below before it matters
    if (numel > (uint64_t(1) << 40)) {
      throw DataError(path + ": IDX dims " + dims_string(out.dims) + " are implausibly large (over 2^40 elements)");
    }
  }
  // Read in chunks: the vector grows only as far as the file goes.
  const size_t chunk = size_t(1) << 22;
  while (out.data.size() < numel) {
    size_t old = out.data.size();
    size_t want = std::min<size_t>(chunk, numel - old);
    out.data.resize(old + want);
    size_t n = file.read(out.data.data() + old, want);
    if (n < want) {
      throw DataError(path + ": truncated IDX file: dims " + dims_string(out.dims) + " need " + std::to_string(numel) +
                      " bytes of data after the header, the file has " + std::to_string(old + n));
    }
  }
  uint8_t extra[64];
  size_t more = file.read(extra, sizeof extra);
  if (more > 0) {
    size_t total = more;
    while ((more = file.read(extra, sizeof extra)) > 0) total += more;
    throw DataError(path + ": IDX file longer than its header says: dims " + dims_string(out.dims) + " need " +
                    std::to_string(numel) + " bytes of data, the file has " + std::to_string(total) + " more");
  }
  file.close();
  return out;
}

IdxArray read_idx_labels(const std::string& path, int64_t num_classes) {
  IdxArray a = read_idx(path, 1);
  for (size_t i = 0; i < a.data.size(); ++i) {
    if (a.data[i] >= num_classes) {
      throw DataError(path + ": label " + std::to_string(a.data[i]) + " at index " + std::to_string(i) +
                      " is outside [0, " + std::to_string(num_classes) + ")");
    }
  }
  return a;
}

IdxArray read_idx_images(const std::string& path) { return read_idx(path, 3); }

void write_idx(const std::string& path, const IdxArray& array) {
  uint64_t numel = 1;
  for (int64_t d : array.dims) {
    if (d < 0 || d > 0xFFFFFFFFll) throw ValueError("write_idx: dim " + std::to_string(d) + " does not fit in uint32");
    numel *= static_cast<uint64_t>(d);
  }
  if (array.dims.empty() || array.dims.size() > 4 || numel != array.data.size()) {
    throw ValueError("write_idx: dims " + dims_string(array.dims) + " (1 to 4 of them) do not describe " +
                     std::to_string(array.data.size()) + " bytes");
  }
  std::vector<uint8_t> header = {0, 0, 0x08, static_cast<uint8_t>(array.dims.size())};
  for (int64_t d : array.dims) {
    for (int shift = 24; shift >= 0; shift -= 8) header.push_back(static_cast<uint8_t>(uint64_t(d) >> shift));
  }
  detail::GzipFile file(path, ends_with(path, ".gz") ? "wb" : "wbT");  // T: plain, no compression
  file.write(header.data(), header.size());
  file.write(array.data.data(), array.data.size());
  file.close();
}

}  // namespace minidl::data

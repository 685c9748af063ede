// IDX files (the MNIST format, LeCun et al.): a big-endian header of magic 0x0000TTDD (TT the
// element type, DD the number of dims) and DD uint32 sizes, then the elements. Read plain or
// gzip-compressed (zlib); only unsigned-byte files (type 0x08) are supported.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace minidl::data {

struct IdxArray {
  std::vector<int64_t> dims;  // e.g. (60000, 28, 28)
  std::vector<uint8_t> data;  // product(dims) bytes, row-major
};

// Reads and validates an IDX file: magic (type 0x08), the number of dims (1..4 unless
// expected_dims is given), and a length matching the header exactly (neither truncated nor
// followed by extra bytes). Every error is a DataError that starts with the path.
IdxArray read_idx(const std::string& path, int expected_dims = 0);

// Label files: 1-D, every label < num_classes. Image files: 3-D (count, rows, cols).
IdxArray read_idx_labels(const std::string& path, int64_t num_classes);
IdxArray read_idx_images(const std::string& path);

// Writes an IDX file of unsigned bytes, gzip-compressed when the path ends in ".gz" (tests,
// subsets of a data set).
void write_idx(const std::string& path, const IdxArray& array);

}  // namespace minidl::data

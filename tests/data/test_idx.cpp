// IDX reader on small files written by the test: hand-made bytes, gzip round trips, and every
// way a file can be wrong (each error names the file; none crashes). The gzip layer's own errors
// (truncated or corrupt streams) are in test_gzip_file.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "minidl/data/idx.h"
#include "minidl/error.h"
#include "temp_dir.h"

using namespace minidl;
using namespace minidl::data;
using minidl::testing::TempDir;
using ::testing::HasSubstr;

namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string s;
  for (int v : values) s.push_back(static_cast<char>(v));
  return s;
}

std::string idx_error(const std::string& path, int expected_dims = 0) {
  try {
    read_idx(path, expected_dims);
  } catch (const DataError& e) {
    std::string msg = e.what();
    EXPECT_THAT(msg, HasSubstr(path));
    return msg;
  }
  return "no error";
}

IdxArray images(int64_t n, int64_t rows, int64_t cols) {
  IdxArray a{{n, rows, cols}, {}};
  for (int64_t i = 0; i < n * rows * cols; ++i) a.data.push_back(static_cast<uint8_t>(i * 7 % 256));
  return a;
}

}  // namespace

TEST(Idx, ReadsHandMadeBigEndianBytes) {
  TempDir dir;
  // magic 0x00000803, dims 2 x 1 x 3 (big-endian uint32), then 6 bytes
  std::string path = dir.write("a-idx3-ubyte", bytes({0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 3, 9, 8, 7, 255, 0, 1}));
  IdxArray a = read_idx(path);
  EXPECT_EQ(a.dims, (std::vector<int64_t>{2, 1, 3}));
  EXPECT_EQ(a.data, (std::vector<uint8_t>{9, 8, 7, 255, 0, 1}));
  // a count above 255 uses more than the last byte: 0x00000102 = 258 labels
  std::string labels = bytes({0, 0, 8, 1, 0, 0, 1, 2}) + std::string(258, '\3');
  EXPECT_EQ(read_idx_labels(dir.write("l", labels), 10).dims, (std::vector<int64_t>{258}));
}

TEST(Idx, GzipAndPlainRoundTrip) {
  TempDir dir;
  IdxArray a = images(3, 4, 5);
  for (const std::string name : {"x-idx3-ubyte.gz", "x-idx3-ubyte"}) {
    write_idx(dir.path(name), a);
    IdxArray b = read_idx_images(dir.path(name));
    EXPECT_EQ(b.dims, a.dims) << name;
    EXPECT_EQ(b.data, a.data) << name;
  }
  // The .gz one really is gzip (magic 1f 8b), the other the raw header.
  std::ifstream gz(dir.path("x-idx3-ubyte.gz"), std::ios::binary), raw(dir.path("x-idx3-ubyte"), std::ios::binary);
  EXPECT_EQ(gz.get(), 0x1f);
  EXPECT_EQ(gz.get(), 0x8b);
  EXPECT_EQ(std::filesystem::file_size(dir.path("x-idx3-ubyte")), 16u + 60u);
}

TEST(Idx, WrongMagicIsAnError) {
  TempDir dir;
  EXPECT_THAT(idx_error(dir.write("text", "hello world, not idx")), HasSubstr("not an IDX file: magic number 0x68656C6C"));
  EXPECT_THAT(idx_error(dir.write("float", bytes({0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0}))),
              HasSubstr("IDX element type 0x0D is not supported"));
  EXPECT_THAT(idx_error(dir.write("zero-dims", bytes({0, 0, 8, 0}))), HasSubstr("not an IDX file"));
  EXPECT_THAT(idx_error(dir.write("short", bytes({0, 0}))), HasSubstr("2 bytes, shorter than the 4-byte magic"));
  EXPECT_THAT(idx_error(dir.write("empty", "")), HasSubstr("0 bytes"));
  // labels where images are expected
  EXPECT_THAT(idx_error(dir.write("labels", bytes({0, 0, 8, 1, 0, 0, 0, 1, 4})), 3),
              HasSubstr("expected a 3-dim IDX file (magic 0x00000803), got 1 dims (magic 0x00000801)"));
}

TEST(Idx, LengthMustMatchTheHeaderExactly) {
  TempDir dir;
  EXPECT_THAT(idx_error(dir.write("short-header", bytes({0, 0, 8, 3, 0, 0, 0, 2, 0, 0}))),
              HasSubstr("truncated IDX header: 3 dims need 16 bytes, the file has 10"));
  EXPECT_THAT(idx_error(dir.write("short-data", bytes({0, 0, 8, 1, 0, 0, 0, 5, 1, 2, 3}))),
              HasSubstr("truncated IDX file: dims (5,) need 5 bytes of data after the header, the file has 3"));
  EXPECT_THAT(idx_error(dir.write("long", bytes({0, 0, 8, 1, 0, 0, 0, 2, 1, 2, 3, 4}))),
              HasSubstr("longer than its header says: dims (2,) need 2 bytes of data, the file has 2 more"));
  // A header that claims 268 million images reads what is there and stops, without allocating them.
  EXPECT_THAT(idx_error(dir.write("huge", bytes({0, 0, 8, 3, 0x10, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28, 1}))),
              HasSubstr("need 210453397504 bytes of data after the header, the file has 1"));
  EXPECT_THAT(idx_error(dir.write("absurd", bytes({0, 0, 8, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 28, 0, 0, 0, 28, 1}))),
              HasSubstr("IDX dims (4294967295, 28, 28) are implausibly large"));
}

TEST(Idx, LabelRangeIsChecked) {
  TempDir dir;
  std::string path = dir.write("labels", bytes({0, 0, 8, 1, 0, 0, 0, 4, 0, 9, 10, 3}));
  try {
    read_idx_labels(path, 10);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr(path + ": label 10 at index 2 is outside [0, 10)"));
  }
  EXPECT_EQ(read_idx_labels(path, 11).data, (std::vector<uint8_t>{0, 9, 10, 3}));
}

TEST(Idx, MissingFileNamesTheFile) {
  EXPECT_THAT(idx_error("/nonexistent/t10k-labels-idx1-ubyte.gz"), HasSubstr("cannot open: No such file or directory"));
}

TEST(Idx, WriteChecksItsArray) {
  TempDir dir;
  EXPECT_THROW(write_idx(dir.path("a"), IdxArray{{2, 2}, {1, 2, 3}}), ValueError);
  EXPECT_THROW(write_idx(dir.path("a"), IdxArray{{}, {}}), ValueError);
}

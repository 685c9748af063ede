// GzipFile (gzip_file.h): gzip and plain files round trip, reads come back short only at the
// end, and every failure (missing file, truncated or corrupt stream, full disk) is a DataError
// that names the file and says what is wrong.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "data/gzip_file.h"
#include "minidl/error.h"
#include "temp_dir.h"

using namespace minidl;
using minidl::data::detail::GzipFile;
using minidl::testing::TempDir;
using ::testing::HasSubstr;

namespace {

// n bytes that do not compress to nothing: a simple LCG.
std::string noise(size_t n, uint32_t seed = 1) {
  std::string s(n, '\0');
  for (char& c : s) {
    seed = seed * 1664525u + 1013904223u;
    c = static_cast<char>(seed >> 24);
  }
  return s;
}

void write_gzip(const std::string& path, const std::string& content, const char* mode = "wb") {
  GzipFile f(path, mode);
  f.write(content.data(), content.size());
  f.close();
}

// Everything in the file, read in chunks of `chunk` bytes.
std::string read_all(const std::string& path, size_t chunk = 4096) {
  GzipFile f(path, "rb");
  std::string out, buffer(chunk, '\0');
  for (;;) {
    size_t got = f.read(buffer.data(), chunk);
    out.append(buffer, 0, got);
    if (got < chunk) return out;
  }
}

// The DataError of reading the whole file, which must name the file.
std::string read_error(const std::string& path) {
  try {
    read_all(path);
  } catch (const DataError& e) {
    std::string msg = e.what();
    EXPECT_THAT(msg, HasSubstr(path));
    return msg;
  }
  return "no error";
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void truncate_file(const std::string& path, uintmax_t cut) {
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - cut);
}

}  // namespace

TEST(GzipFile, GzipRoundTripIsCompressedAndExact) {
  TempDir dir;
  const std::string path = dir.path("a.gz"), text = std::string(100000, 'a') + noise(5000);
  write_gzip(path, text);
  const std::string raw = file_bytes(path);
  ASSERT_GE(raw.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(raw[0]), 0x1f);  // the gzip magic
  EXPECT_EQ(static_cast<unsigned char>(raw[1]), 0x8b);
  EXPECT_LT(raw.size(), text.size() / 2);
  EXPECT_EQ(read_all(path), text);
  EXPECT_EQ(read_all(path, 7), text);  // chunk edges anywhere
}

// "wbT" writes the bytes as they are, and "rb" reads a plain file unchanged.
TEST(GzipFile, PlainFilesReadUnchanged) {
  TempDir dir;
  const std::string text = noise(3000, 7);
  EXPECT_EQ(read_all(dir.write("plain", text)), text);
  write_gzip(dir.path("t"), text, "wbT");
  EXPECT_EQ(file_bytes(dir.path("t")), text);
  EXPECT_EQ(read_all(dir.path("t")), text);
  EXPECT_EQ(read_all(dir.write("empty", "")), "");
}

// read() returns n until the data runs out, then what is left, then 0.
TEST(GzipFile, ReadsComeBackShortOnlyAtTheEnd) {
  TempDir dir;
  for (const char* mode : {"wb", "wbT"}) {
    SCOPED_TRACE(mode);
    const std::string path = dir.path(std::string("ten-") + mode);
    write_gzip(path, "0123456789", mode);
    GzipFile f(path, "rb");
    char buffer[100];
    EXPECT_EQ(f.read(buffer, 4), 4u);
    EXPECT_EQ(std::string(buffer, 4), "0123");
    EXPECT_EQ(f.read(buffer, 100), 6u);
    EXPECT_EQ(std::string(buffer, 6), "456789");
    EXPECT_EQ(f.read(buffer, 100), 0u);
    EXPECT_EQ(f.read(buffer, 0), 0u);
  }
}

// The destructor flushes and closes a written file that was never close()d; close() twice is fine.
TEST(GzipFile, DestructorFlushesAndCloseIsIdempotent) {
  TempDir dir;
  const std::string text = noise(20000, 3);
  {
    GzipFile f(dir.path("d.gz"), "wb");
    f.write(text.data(), text.size());
  }
  EXPECT_EQ(read_all(dir.path("d.gz")), text);
  GzipFile f(dir.path("e.gz"), "wb");
  f.write(text.data(), 10);
  f.close();
  EXPECT_NO_THROW(f.close());
  EXPECT_EQ(read_all(dir.path("e.gz")), text.substr(0, 10));
}

TEST(GzipFile, CannotOpenNamesTheFileAndTheReason) {
  TempDir dir;
  for (const char* mode : {"rb", "wb"}) {
    const std::string path = dir.path("missing-dir/x.gz");
    try {
      GzipFile f(path, mode);
      ADD_FAILURE() << "no error, mode " << mode;
    } catch (const DataError& e) {
      EXPECT_THAT(e.what(), HasSubstr(path + ": cannot open: No such file or directory")) << mode;
    }
  }
}

TEST(GzipFile, TruncatedOrCorruptGzipIsAnError) {
  TempDir dir;
  std::string path = dir.path("x.gz");
  write_gzip(path, noise(20 * 28 * 28));
  truncate_file(path, 50);
  EXPECT_THAT(read_error(path), HasSubstr("x.gz: read error (corrupt or truncated gzip data?): unexpected end of file"));
  // Garbage after a valid gzip magic.
  std::string bad = dir.write("bad.gz", std::string("\x1f\x8b\x08\0\0\0\0\0\0\x03\xde\xad\xbe\xef\x01\x02\x03", 17));
  EXPECT_THAT(read_error(bad), HasSubstr("bad.gz: read error (corrupt or truncated gzip data?)"));
}

// A stream cut inside its 8-byte trailer (CRC-32 and length) still holds every data byte, but is
// not a whole gzip file: reading to the end says so.
TEST(GzipFile, AStreamCutInItsTrailerIsAnError) {
  TempDir dir;
  const std::string text = noise(5000, 11);
  for (uintmax_t cut : {1, 4, 8}) {
    const std::string path = dir.path("cut" + std::to_string(cut) + ".gz");
    write_gzip(path, text);
    truncate_file(path, cut);
    EXPECT_THAT(read_error(path), HasSubstr("read error (corrupt or truncated gzip data?)")) << "cut " << cut;
  }
}

// A flipped bit in the data or in the stored CRC-32: the check fails instead of returning wrong bytes.
TEST(GzipFile, ACorruptedByteIsAnError) {
  TempDir dir;
  const std::string text = noise(5000, 13);
  write_gzip(dir.path("good.gz"), text);
  const std::string good = file_bytes(dir.path("good.gz"));
  for (size_t at : {good.size() / 2, good.size() - 8}) {  // the middle of the deflate data; the CRC
    std::string bytes = good;
    bytes[at] = static_cast<char>(bytes[at] ^ 0x10);
    const std::string path = dir.write("flipped-" + std::to_string(at) + ".gz", bytes);
    EXPECT_THAT(read_error(path), HasSubstr("read error (corrupt or truncated gzip data?)")) << "byte " << at;
  }
}

// Writing where nothing fits (/dev/full): a DataError naming the file, from write() or close().
TEST(GzipFile, AFullDiskIsAnErrorNamingTheFile) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  const std::string text = noise(1 << 20, 17);
  try {
    GzipFile f("/dev/full", "wb");
    f.write(text.data(), text.size());
    f.close();
    ADD_FAILURE() << "no error writing to /dev/full";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("/dev/full: "));
    EXPECT_THAT(e.what(), ::testing::AnyOf(HasSubstr("write error: No space left on device"),
                                           HasSubstr("error closing the file")));
  }
}

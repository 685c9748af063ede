// GzipFile: reads or writes a file through zlib's gz* API, which also reads uncompressed files
// unchanged (zlib1g-dev).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace minidl::data::detail {

class GzipFile {
 public:
  // mode "rb" or "wb"; throws DataError "<path>: cannot open: <strerror>".
  GzipFile(const std::string& path, const char* mode);
  ~GzipFile();
  GzipFile(const GzipFile&) = delete;
  GzipFile& operator=(const GzipFile&) = delete;

  // Reads up to n bytes; returns how many were read (< n only at the end of the data). A corrupt
  // or truncated gzip stream throws DataError naming the path and zlib's message.
  size_t read(void* data, size_t n);
  void write(const void* data, size_t n);
  void close();  // flushes a written file; throws on error

 private:
  std::string path_;
  void* file_ = nullptr;  // gzFile
};

}  // namespace minidl::data::detail

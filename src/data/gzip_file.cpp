// GzipFile over zlib's gz* functions.
#include "gzip_file.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "minidl/error.h"


namespace minidl::data::detail {

namespace {

std::string gz_message(const std::string& path, void* file, const char* what) {
  int code = 0;
  const char* message = ::gzerror(static_cast<gzFile>(file), &code);
  std::string why = code == Z_ERRNO ? std::strerror(errno) : (message && *message ? message : "unknown zlib error");
  if (why.compare(0, path.size() + 2, path + ": ") == 0) why.erase(0, path.size() + 2);  // zlib prefixes the path
  return path + ": " + what + ": " + why;
}

}  // namespace

GzipFile::GzipFile(const std::string& path, const char* mode) : path_(path) {
  errno = 0;
  file_ = ::gzopen(path.c_str(), mode);
  if (!file_) throw DataError(path + ": cannot open: " + (errno ? std::strerror(errno) : "out of memory"));
}

GzipFile::~GzipFile() {
  if (file_) ::gzclose(static_cast<gzFile>(file_));
}

size_t GzipFile::read(void* data, size_t n) {
  size_t done = 0;
  char* p = static_cast<char*>(data);
  while (done < n) {
    unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - done, 1u << 30));
    int got = ::gzread(static_cast<gzFile>(file_), p + done, chunk);
    if (got < 0) throw DataError(gz_message(path_, file_, "read error (corrupt or truncated gzip data?)"));
    if (got == 0) break;
    done += static_cast<size_t>(got);
  }
  // gzread returns what it has when a gzip stream ends early; zlib then reports Z_BUF_ERROR.
  if (done < n) {
    int code = Z_OK;
    ::gzerror(static_cast<gzFile>(file_), &code);
    if (code != Z_OK) throw DataError(gz_message(path_, file_, "read error (corrupt or truncated gzip data?)"));
  }
  return done;
}

void GzipFile::write(const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    unsigned chunk = static_cast<unsigned>(std::min<size_t>(n, 1u << 30));
    int put = ::gzwrite(static_cast<gzFile>(file_), p, chunk);
    if (put <= 0) throw DataError(gz_message(path_, file_, "write error"));
    p += put;
    n -= static_cast<size_t>(put);
  }
}

void GzipFile::close() {
  if (!file_) return;
  int code = ::gzclose(static_cast<gzFile>(file_));
  file_ = nullptr;
  if (code != Z_OK) throw DataError(path_ + ": error closing the file (zlib code " + std::to_string(code) + ")");
}

}  // namespace minidl::data::detail

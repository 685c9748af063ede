// zlib through a table of its five gz* functions: the linked ones, or those of libz.so.1.
#include "gzip_file.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "minidl/error.h"

#ifndef MINIDL_HAVE_ZLIB
#include <dlfcn.h>
#endif

namespace minidl::data::detail {

namespace {

struct Zlib {
  decltype(&::gzopen) open;
  decltype(&::gzread) read;
  decltype(&::gzwrite) write;
  decltype(&::gzclose) close;
  decltype(&::gzerror) error;
};

const Zlib& zlib() {
#ifdef MINIDL_HAVE_ZLIB
  static const Zlib z{&::gzopen, &::gzread, &::gzwrite, &::gzclose, &::gzerror};
  return z;
#else
  static const Zlib z = [] {
    // Leaked on purpose: the functions stay valid until exit.
    void* lib = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char* why = dlerror();
      throw DataError(std::string("gzip: cannot load zlib (libz.so.1): ") + (why ? why : "unknown error") +
                      " (install it with `apt-get install zlib1g`)");
    }
    Zlib t{};
    t.open = reinterpret_cast<decltype(t.open)>(dlsym(lib, "gzopen"));
    t.read = reinterpret_cast<decltype(t.read)>(dlsym(lib, "gzread"));
    t.write = reinterpret_cast<decltype(t.write)>(dlsym(lib, "gzwrite"));
    t.close = reinterpret_cast<decltype(t.close)>(dlsym(lib, "gzclose"));
    t.error = reinterpret_cast<decltype(t.error)>(dlsym(lib, "gzerror"));
    if (!t.open || !t.read || !t.write || !t.close || !t.error) throw DataError("gzip: libz.so.1 lacks the gz* functions");
    return t;
  }();
  return z;
#endif
}

std::string gz_message(const std::string& path, void* file, const char* what) {
  int code = 0;
  const char* message = zlib().error(static_cast<gzFile>(file), &code);
  std::string why = code == Z_ERRNO ? std::strerror(errno) : (message && *message ? message : "unknown zlib error");
  if (why.compare(0, path.size() + 2, path + ": ") == 0) why.erase(0, path.size() + 2);  // zlib prefixes the path
  return path + ": " + what + ": " + why;
}

}  // namespace

GzipFile::GzipFile(const std::string& path, const char* mode) : path_(path) {
  errno = 0;
  file_ = zlib().open(path.c_str(), mode);
  if (!file_) throw DataError(path + ": cannot open: " + (errno ? std::strerror(errno) : "out of memory"));
}

GzipFile::~GzipFile() {
  if (file_) zlib().close(static_cast<gzFile>(file_));
}

size_t GzipFile::read(void* data, size_t n) {
  size_t done = 0;
  char* p = static_cast<char*>(data);
  while (done < n) {
    unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - done, 1u << 30));
    int got = zlib().read(static_cast<gzFile>(file_), p + done, chunk);
    if (got < 0) throw DataError(gz_message(path_, file_, "read error (corrupt or truncated gzip data?)"));
    if (got == 0) break;
    done += static_cast<size_t>(got);
  }
  // gzread returns what it has when a gzip stream ends early; zlib then reports Z_BUF_ERROR.
  if (done < n) {
    int code = Z_OK;
    zlib().error(static_cast<gzFile>(file_), &code);
    if (code != Z_OK) throw DataError(gz_message(path_, file_, "read error (corrupt or truncated gzip data?)"));
  }
  return done;
}

void GzipFile::write(const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    unsigned chunk = static_cast<unsigned>(std::min<size_t>(n, 1u << 30));
    int put = zlib().write(static_cast<gzFile>(file_), p, chunk);
    if (put <= 0) throw DataError(gz_message(path_, file_, "write error"));
    p += put;
    n -= static_cast<size_t>(put);
  }
}

void GzipFile::close() {
  if (!file_) return;
  int code = zlib().close(static_cast<gzFile>(file_));
  file_ = nullptr;
  if (code != Z_OK) throw DataError(path_ + ": error closing the file (zlib code " + std::to_string(code) + ")");
}

}  // namespace minidl::data::detail

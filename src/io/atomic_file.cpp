// write_file_atomically: temp file + fsync + rename + fsync(folder), the POSIX recipe for a file
// that survives crashes whole (rename(2) replaces the target atomically within one file system).
#include "minidl/io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "minidl/error.h"

namespace minidl {

namespace detail {
std::function<void(const std::string& temp_path)> before_rename_hook;
}

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& step, int err) {
  throw IoError(path + ": cannot write the file: " + step + ": " + std::strerror(err) +
              " (a previous file at this path is unchanged)");
}

std::string folder_of(const std::string& path) {
  std::string folder = std::filesystem::path(path).parent_path().string();
  return folder.empty() ? "." : folder;
}

// The umask without changing it (umask(2) can only be read by setting it, which races with other
// threads); Linux reports it in /proc/self/status since 4.7. Falls back to the common 022.
mode_t current_umask() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Umask:", 0) == 0) return static_cast<mode_t>(std::stoul(line.substr(6), nullptr, 8));
  }
  return 022;
}

// Removes the temporary file unless released (after a successful rename).
struct TempFile {
  std::string path;
  int fd = -1;
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    if (!path.empty()) ::unlink(path.c_str());
  }
};

}  // namespace

void write_file_atomically(const std::string& path, std::string_view bytes) {
  if (path.empty()) throw IoError("write_file_atomically: empty path");
  std::string folder = folder_of(path);

  // "model.safetensors.tmp.XXXXXX" beside the target, so the rename stays on one file system.
  std::vector<char> tmpl(path.begin(), path.end());
  std::string suffix = ".tmp.XXXXXX";
  tmpl.insert(tmpl.end(), suffix.begin(), suffix.end());
  tmpl.push_back('\0');

  TempFile temp;
  temp.fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (temp.fd < 0) fail(path, "cannot create a temporary file in '" + folder + "'", errno);
  temp.path = tmpl.data();

  // mkstemp makes the file 0600; give it the mode a plain open() would have, or the old file's.
  struct stat old {};
  mode_t mode = ::stat(path.c_str(), &old) == 0 ? (old.st_mode & 07777) : (0666 & ~current_umask());
  if (::fchmod(temp.fd, mode) != 0) fail(path, "fchmod of " + temp.path, errno);

  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(temp.fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(path, "write to " + temp.path, errno);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(temp.fd) != 0) fail(path, "fsync of " + temp.path, errno);
  int fd = temp.fd;
  temp.fd = -1;
  if (::close(fd) != 0) fail(path, "close of " + temp.path, errno);

  if (detail::before_rename_hook) detail::before_rename_hook(temp.path);

  if (::rename(temp.path.c_str(), path.c_str()) != 0) fail(path, "rename of " + temp.path, errno);
  temp.path.clear();  // renamed: nothing to remove

  // Make the rename itself durable. Some file systems do not support fsync on a folder (EINVAL).
  int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) {
    throw IoError(path + ": written, but cannot open its folder '" + folder + "' to fsync it: " + std::strerror(errno));
  }
  if (::fsync(dir) != 0 && errno != EINVAL) {
    int err = errno;
    ::close(dir);
    throw IoError(path + ": written, but fsync of its folder '" + folder + "' failed: " + std::strerror(err));
  }
  ::close(dir);
}

}  // namespace minidl

// flock on a run folder: see run_lock.h.
#include "run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "minidl/io/atomic_file.h"

namespace minidl::cli {

namespace fs = std::filesystem;

RunLock::RunLock(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw IoError(dir + ": cannot create the folder: " + ec.message());
  std::string path = dir + "/" + kFile;
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw IoError(path + ": cannot create the lock file: " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    char pid[32] = {0};
    ssize_t n = ::pread(fd_, pid, sizeof pid - 1, 0);
    std::string holder = n > 0 ? " (pid " + std::string(pid, static_cast<size_t>(n)) + ")" : "";
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK) {
      throw FolderBusy(dir + " is being written by another minidl" + holder +
                       "; wait for it to finish, or choose another folder");
    }
    throw IoError(path + ": cannot lock: " + std::strerror(error));
  }
  std::string me = std::to_string(::getpid());
  if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, me.data(), me.size(), 0);
  was_empty_ = true;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().filename() != kFile) was_empty_ = false;
  }
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock; the file stays (removing it would race)
}

std::string reserve_folder(const std::string& base) {
  std::error_code ec;
  fs::path parent = fs::path(base).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  for (int i = 1;; ++i) {
    std::string candidate = i == 1 ? base : base + "-" + std::to_string(i);
    if (::mkdir(candidate.c_str(), 0777) == 0) return candidate;
    if (errno != EEXIST) throw IoError(candidate + ": cannot create the folder: " + std::strerror(errno));
  }
}

}  // namespace minidl::cli

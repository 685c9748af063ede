// RunLock: a run folder is written by one process at a time. The lock is an flock() on the file
// .lock of the folder, held as long as the RunLock lives (and released by the kernel if the
// process dies), so a second `minidl train --out SAME` or `--resume SAME` fails at once instead
// of overwriting or duplicating the first one's results.
#pragma once

#include <string>

#include "minidl/error.h"

namespace minidl::cli {

struct FolderBusy : Error {  // another process holds the folder's lock
  using Error::Error;
};

class RunLock {
 public:
  static constexpr const char* kFile = ".lock";

  // Creates `dir` (and its parents) if missing and locks it; throws FolderBusy naming the folder
  // and the other process, or IoError when the lock file cannot be made.
  explicit RunLock(const std::string& dir);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  // True when the folder held nothing but the lock file when it was locked.
  bool was_empty() const { return was_empty_; }

 private:
  int fd_ = -1;
  bool was_empty_ = false;
};

// A fresh folder "<base>", else "<base>-2", "<base>-3", ...: made with mkdir, which only one
// process can win, so names chosen at the same time by several processes never collide.
std::string reserve_folder(const std::string& base);

}  // namespace minidl::cli

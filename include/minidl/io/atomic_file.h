// Atomic file replacement: the file at `path` is either the old one or the complete new one, never
// a half-written mix, even if the process dies or the disk fills up in the middle of a write.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "minidl/error.h"

namespace minidl {

struct IoError : Error {  // the operating system refused a read or a write (message has strerror)
  using Error::Error;
};

// Writes `bytes` to a temporary file in the folder of `path` (mkstemp), fsyncs it, renames it over
// `path` and fsyncs the folder. On any failure the temporary file is removed, a previous file at
// `path` is left as it was, and an IoError names `path`, the step that failed and strerror(errno).
// A new file gets mode 0666 minus the umask; a replaced file keeps its mode.
void write_file_atomically(const std::string& path, std::string_view bytes);

namespace detail {
// Test hook: when set, called with the temporary file's path after it is written and synced and
// before the rename. A hook that throws simulates a crash or failure at that point.
extern std::function<void(const std::string& temp_path)> before_rename_hook;
}  // namespace detail

}  // namespace minidl

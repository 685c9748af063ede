// External programs (gnuplot) started without a shell: an argument vector handed to posix_spawn,
// so no file or folder name is ever parsed as shell text.
#pragma once

#include <string>
#include <vector>

namespace minidl::cli {

// The path of `program` found in PATH (an executable regular file), or "" when there is none.
std::string find_program(const std::string& program);

struct ProgramResult {
  bool started = false;      // false: spawning failed (`error` says why)
  int exit_code = -1;        // the program's exit code when it exited
  bool interrupted = false;  // SIGINT/SIGTERM reached minidl (or killed the program) while it ran
  std::string error;
};

// Runs `argv` (argv[0] looked up in PATH) in the folder `cwd`, with stdin from /dev/null and
// stdout and stderr to the file `log_name` of `cwd`, and waits for it. A SIGINT or SIGTERM that arrives meanwhile
// is passed on to the program and reported as `interrupted`; minidl itself keeps running so that
// the caller can clean up and exit 130.
ProgramResult run_program(const std::vector<std::string>& argv, const std::string& cwd, const std::string& log_name);

}  // namespace minidl::cli

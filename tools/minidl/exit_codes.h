// The exit codes of the `minidl` subcommands, and how a failed command reports its error.
#pragma once

#include <string>

namespace minidl::cli {

// 0 success, 1 runtime or data error, 2 usage or config error, 130 interrupted.
enum ExitCode : int { kOk = 0, kRuntimeError = 1, kUsageError = 2, kInterrupted = 130 };

// Inside a catch block: prints "minidl <command>: <what>" for the exception being handled and
// returns its exit code, kUsageError for a ConfigError and kRuntimeError for any other
// std::exception. Anything else is rethrown.
int command_failed(const std::string& command);

}  // namespace minidl::cli

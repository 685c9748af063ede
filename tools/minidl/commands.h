// The subcommands of `minidl`. Each returns the process exit code: 0 success, 1 runtime or data
// error, 2 usage or config error, 130 interrupted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace minidl::cli {

enum ExitCode : int { kOk = 0, kRuntimeError = 1, kUsageError = 2, kInterrupted = 130 };

struct TrainArgs {
  std::string config;                 // empty: the default config
  std::vector<std::string> sets;      // --set key=value
  int64_t runs = 1;
  std::optional<int64_t> seed;        // default train.seed
  int threads = 1;
  std::string out;                    // empty: runs/<config>-<timestamp>
  bool quiet = false;
  std::string resume;                 // --resume DIR
};
int train_command(const TrainArgs& args);

// The config used when none is given: configs/disk.toml of the working folder, else of the
// source tree minidl was built from.
std::string default_config_path();

}  // namespace minidl::cli

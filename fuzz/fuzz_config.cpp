// libFuzzer target for the TOML config reader: any input must either give a valid Config or throw
// a minidl exception (ConfigError naming file, line and key). The input is a config file; after
// a NUL byte, what follows is one `--set` override. A crash, a sanitizer report, std::bad_alloc or
// any other exception is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "minidl/error.h"
#include "config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> overrides;
  if (size_t nul = input.find('\0'); nul != std::string::npos) {
    overrides.push_back(input.substr(nul + 1));
    input.resize(nul);
  }
  try {
    minidl::cli::Config config = minidl::cli::Config::parse(input, "fuzz.toml", overrides);
    // A valid config reads its keys and round-trips through its TOML text.
    (void)config.get_string("optimizer.name");
    (void)config.get_float("optimizer.lr");
    (void)config.get_int("train.epochs");
    (void)config.get_floats("optimizer.betas");
    (void)config.layers();
    minidl::cli::Config again = minidl::cli::Config::parse(config.to_toml(), "fuzz.toml");
    if (again.to_toml() != config.to_toml()) __builtin_trap();
  } catch (const minidl::Error&) {
    // A rejected config: the expected outcome for most inputs.
  }
  return 0;
}

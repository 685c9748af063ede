// How a failed command reports its error (exit_codes.h).
#include "exit_codes.h"

#include <exception>
#include <iostream>

#include "minidl/error.h"

namespace minidl::cli {

int command_failed(const std::string& command) {
  try {
    throw;
  } catch (const ConfigError& e) {
    std::cerr << "minidl " << command << ": " << e.what() << "\n";
    return kUsageError;
  } catch (const std::exception& e) {
    std::cerr << "minidl " << command << ": " << e.what() << "\n";
    return kRuntimeError;
  }
}

}  // namespace minidl::cli

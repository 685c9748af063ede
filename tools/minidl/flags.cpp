// See flags.h. CLI11 validators see the text before it is converted, so "99999999999999999999"
// and "-5" are refused here instead of being clamped or wrapped by the conversion.
#include "flags.h"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace minidl::cli {

namespace {

// The value of a whole decimal number in [lo, hi], or false.
bool whole_number_in(const std::string& text, unsigned long long lo, unsigned long long hi) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return false;
  errno = 0;
  unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
  return errno != ERANGE && v >= lo && v <= hi;
}

}  // namespace

CLI::Validator seed_flag() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (whole_number_in(text, 0, INT64_MAX)) return "";
        return "expected a whole number from 0 to " + std::to_string(INT64_MAX) + ", got " + text;
      },
      "SEED");
}

CLI::Validator threads_flag() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (whole_number_in(text, 1, kMaxThreads)) return "";
        return "expected a whole number from 1 to " + std::to_string(kMaxThreads) + ", got " + text;
      },
      "1.." + std::to_string(kMaxThreads));
}

}  // namespace minidl::cli

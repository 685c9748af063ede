// Checked size arithmetic: see checked_size.h.
#include "checked_size.h"

#include <unistd.h>

#include <cstdio>

#include "minidl/error.h"

namespace minidl::cli {

namespace {

std::string dims_text(std::initializer_list<int64_t> dims) {
  std::string s;
  for (int64_t d : dims) s += (s.empty() ? "" : " x ") + std::to_string(d);
  return s;
}

std::string bytes_text(double bytes) {
  char b[32];
  if (bytes >= 1e9) std::snprintf(b, sizeof b, "%.3g GB", bytes / 1e9);
  else std::snprintf(b, sizeof b, "%.3g MB", bytes / 1e6);
  return b;
}

double physical_memory() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) : 1e18;
}

}  // namespace

int64_t checked_product(const std::string& where, std::initializer_list<int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0 || __builtin_mul_overflow(n, d, &n)) {
      throw ConfigError(where + ": the size " + dims_text(dims) + " is too large (more than 2^63 elements)");
    }
  }
  return n;
}

int64_t checked_bytes(const std::string& where, const std::string& what, std::initializer_list<int64_t> dims,
                      int64_t element_bytes) {
  int64_t n = 1;
  double exact = static_cast<double>(element_bytes);
  bool overflow = false;
  for (int64_t d : dims) {
    exact *= static_cast<double>(d);
    overflow |= d < 0 || __builtin_mul_overflow(n, d, &n);
  }
  overflow |= __builtin_mul_overflow(n, element_bytes, &n);
  double memory = physical_memory();
  if (overflow || exact > memory) {
    char needed[32];
    std::snprintf(needed, sizeof needed, "%.3g", exact);
    throw ConfigError(where + ": " + what + " of " + dims_text(dims) + " needs " + needed +
                      " bytes, more than this machine's memory (" + bytes_text(memory) + ")");
  }
  return n;
}

}  // namespace minidl::cli

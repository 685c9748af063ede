// Sizes from a config are multiplied with overflow checks and compared with the machine's
// memory before anything is allocated: a layer of 2 x 4611686018427387904 weights is a config
// error naming the layer, not a crash.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

namespace minidl::cli {

// The product of `dims` (each >= 0) times `element_bytes`, or throws ConfigError
// "<where>: <what> of d1 x d2 x ... needs N bytes, more than this machine's memory (M)" when the
// product overflows int64 or exceeds the physical memory.
int64_t checked_bytes(const std::string& where, const std::string& what, std::initializer_list<int64_t> dims,
                      int64_t element_bytes = 4);

// The product of `dims`, or throws ConfigError naming `where` when it overflows int64.
int64_t checked_product(const std::string& where, std::initializer_list<int64_t> dims);

}  // namespace minidl::cli

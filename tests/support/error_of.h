// The message of the minidl::Error that f throws, or "no error", for
// EXPECT_THAT(error_of([&] { ... }), HasSubstr("...")).
#pragma once

#include <string>

#include "minidl/error.h"

namespace minidl::testing {

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace minidl::testing

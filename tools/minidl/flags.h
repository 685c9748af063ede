// Validators of the numeric flags of `minidl`, with short messages: a seed is a whole number in
// [0, 2^63 - 1] (never clamped or wrapped), a thread count a whole number in [1, kMaxThreads].
#pragma once

#include <CLI/CLI.hpp>

namespace minidl::cli {

constexpr int kMaxThreads = 256;

CLI::Validator seed_flag();
CLI::Validator threads_flag();

}  // namespace minidl::cli

// Internal: the sum of a contiguous run, shared by sum() and the conv bias gradient.
#pragma once

#include <cstdint>

namespace minidl::detail {

// kLanes partial sums: deterministic, and fast without -ffast-math (one running total is a chain
// of dependent adds, latency-bound).
template <int kLanes = 8, class T>
T sum_contiguous(const T* x, int64_t n) {
  T acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) acc[j] += x[i + j];
  }
  // Neighbouring lanes pairwise ((a0 + a1) + (a2 + a3)) + ..., then the tail.
  for (int width = kLanes / 2; width > 0; width /= 2) {
    for (int j = 0; j < width; ++j) acc[j] = acc[2 * j] + acc[2 * j + 1];
  }
  T total = acc[0];
  for (; i < n; ++i) total += x[i];
  return total;
}

}  // namespace minidl::detail

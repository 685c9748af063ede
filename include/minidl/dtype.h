// Element types of a Tensor: float32 (the default), float64 (gradient checks) and int64 (labels,
// indices; never requires grad).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace minidl {

enum class Dtype : uint8_t { Float32, Float64, Int64 };

inline constexpr Dtype kFloat32 = Dtype::Float32;
inline constexpr Dtype kFloat64 = Dtype::Float64;
inline constexpr Dtype kInt64 = Dtype::Int64;

constexpr size_t element_size(Dtype dtype) { return dtype == Dtype::Float32 ? 4 : 8; }
constexpr bool is_floating(Dtype dtype) { return dtype != Dtype::Int64; }

// "float32", "float64", "int64": the names used in errors and by safetensors-style tools.
std::string to_string(Dtype dtype);

template <class T> constexpr Dtype dtype_of();
template <> constexpr Dtype dtype_of<float>() { return kFloat32; }
template <> constexpr Dtype dtype_of<double>() { return kFloat64; }
template <> constexpr Dtype dtype_of<int64_t>() { return kInt64; }

}  // namespace minidl

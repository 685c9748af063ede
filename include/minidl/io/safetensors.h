// The safetensors format (huggingface/safetensors): 8-byte little-endian header length, a JSON
// header {"name": {"dtype": "F32", "shape": [25, 2], "data_offsets": [0, 200]}, ...,
// "__metadata__": {"key": "value"}}, then the raw little-endian tensor bytes. Loading checks
// every byte of the file before it returns anything, so a bad file never half-loads.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "minidl/error.h"
#include "minidl/io/atomic_file.h"
#include "minidl/state_dict.h"

namespace minidl {

struct CheckpointError : Error {  // a checkpoint file that is malformed or does not fit the model
  using Error::Error;
};

struct SafetensorsFile {
  StateDict tensors;                            // in the order of their data in the file
  std::map<std::string, std::string> metadata;  // "__metadata__"
};

// The header size limit of the reference Rust implementation.
inline constexpr uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;
// Files are read whole into memory; larger files are refused before reading.
inline constexpr uint64_t kMaxSafetensorsFileBytes = uint64_t{16} << 30;

// Header keys in `tensors` order with `metadata` first, padded with spaces to a multiple of 8 bytes
// (as the Rust writer does); data in the same order. F32, F64 and I64 only, as minidl has.
// Throws CheckpointError naming `name_for_errors` for an undefined tensor or the reserved key.
std::string serialize_safetensors(const StateDict& tensors, const std::map<std::string, std::string>& metadata = {},
                                  const std::string& name_for_errors = "<memory>");

// Checks and decodes a whole file's bytes. Throws CheckpointError naming `name_for_errors`, the
// tensor and what is wrong: header length and limit, well-formed JSON object, duplicate keys,
// known fields and dtypes, non-negative shapes, offsets in bounds, contiguous and matching the
// shape's byte size, no trailing bytes.
SafetensorsFile parse_safetensors(const std::string& bytes, const std::string& name_for_errors = "<memory>");

// serialize_safetensors + write_file_atomically (IoError when the OS refuses).
void save_safetensors(const StateDict& tensors, const std::string& path,
                      const std::map<std::string, std::string>& metadata = {});

// Reads the file (IoError if it cannot; CheckpointError above `max_file_bytes`) and parses it.
SafetensorsFile load_safetensors(const std::string& path, uint64_t max_file_bytes = kMaxSafetensorsFileBytes);

}  // namespace minidl

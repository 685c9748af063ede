// libFuzzer target for the safetensors loader: any input must either parse or throw a minidl
// exception. A crash, a sanitizer report, std::bad_alloc or any other exception is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "minidl/error.h"
#include "minidl/io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    minidl::SafetensorsFile file = minidl::parse_safetensors(bytes, "fuzz.safetensors");
    // What parsed must serialize and parse back to the same bytes of every tensor.
    std::string again = minidl::serialize_safetensors(file.tensors, file.metadata, "fuzz.safetensors");
    minidl::SafetensorsFile back = minidl::parse_safetensors(again, "fuzz.safetensors");
    if (back.tensors.keys() != file.tensors.keys() || back.metadata != file.metadata) __builtin_trap();
  } catch (const minidl::Error&) {
    // A rejected file: the expected outcome for most inputs.
  }
  return 0;
}

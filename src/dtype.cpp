// Names of the dtypes.
#include "minidl/dtype.h"

namespace minidl {

std::string to_string(Dtype dtype) {
  switch (dtype) {
    case Dtype::Float32: return "float32";
    case Dtype::Float64: return "float64";
    case Dtype::Int64: return "int64";
  }
  return "unknown";
}

}  // namespace minidl

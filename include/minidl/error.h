// The exception types of minidl. User mistakes throw one of these with a message that names the
// op, the shapes and the fix; internal invariants use assert.
#pragma once

#include <stdexcept>
#include <string>

namespace minidl {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct ShapeError : Error {  // shapes that do not fit an op
  using Error::Error;
};
struct DtypeError : Error {  // a dtype an op does not take, or two inputs of different dtypes
  using Error::Error;
};
struct ValueError : Error {  // a bad argument value (negative size, p outside [0, 1), ...)
  using Error::Error;
};
struct IndexError : Error {  // a dim or an index out of range
  using Error::Error;
};
struct AutogradError : Error {  // backward on a freed graph, on a non-scalar without a gradient, ...
  using Error::Error;
};
struct ConfigError : Error {  // a config file or --set value that is wrong
  using Error::Error;
};
struct DataError : Error {  // a data file or data set that is wrong
  using Error::Error;
};

}  // namespace minidl

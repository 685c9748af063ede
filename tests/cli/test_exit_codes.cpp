// command_failed(): a failed command's message and exit code, from the exception being handled.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "exit_codes.h"
#include "minidl/error.h"

namespace minidl::cli {
namespace {

// command_failed() called while `thrown` is being handled; its stderr in `message`.
template <class E>
int fail_with(const E& thrown, std::string& message) {
  ::testing::internal::CaptureStderr();
  int code = kOk;
  try {
    throw thrown;
  } catch (...) {
    code = command_failed("eval");
  }
  message = ::testing::internal::GetCapturedStderr();
  return code;
}

TEST(CommandFailed, AConfigErrorIsAUsageError) {
  std::string message;
  EXPECT_EQ(fail_with(ConfigError("disk.toml:3: optimizer.lr must be > 0"), message), kUsageError);
  EXPECT_EQ(message, "minidl eval: disk.toml:3: optimizer.lr must be > 0\n");
}

TEST(CommandFailed, AnyOtherExceptionIsARuntimeError) {
  std::string message;
  EXPECT_EQ(fail_with(DataError("data.csv:7: 3 columns, the header has 4"), message), kRuntimeError);
  EXPECT_EQ(message, "minidl eval: data.csv:7: 3 columns, the header has 4\n");
  EXPECT_EQ(fail_with(std::runtime_error("out of memory"), message), kRuntimeError);
  EXPECT_EQ(message, "minidl eval: out of memory\n");
}

TEST(CommandFailed, RethrowsWhatIsNotAStdException) {
  EXPECT_THROW(
      {
        try {
          throw 42;
        } catch (...) {
          command_failed("eval");
        }
      },
      int);
}

}  // namespace
}  // namespace minidl::cli

// write_file_atomically: the target is the old file or the whole new one, whatever fails; failures
// name the path and the OS's reason, and leave no temporary file behind.
#include "minidl/io/atomic_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io_test_util.h"
#include "minidl/io/safetensors.h"

namespace minidl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Sets detail::before_rename_hook for one scope.
struct HookGuard {
  explicit HookGuard(std::function<void(const std::string&)> hook) { detail::before_rename_hook = std::move(hook); }
  ~HookGuard() { detail::before_rename_hook = nullptr; }
};

TEST(AtomicFile, WritesANewFileAndReplacesAnOldOne) {
  testing::TempDir dir;
  std::string path = dir.file("a.bin");
  write_file_atomically(path, std::string("first\0x", 7));
  EXPECT_EQ(testing::read_bytes(path), std::string("first\0x", 7));
  write_file_atomically(path, "second");
  EXPECT_EQ(testing::read_bytes(path), "second");
  write_file_atomically(path, "");
  EXPECT_EQ(testing::read_bytes(path), "");
  EXPECT_THAT(dir.entries(), ElementsAre("a.bin"));  // no temporary file left
}

TEST(AtomicFile, ReplacedFileKeepsItsModeAndNewFileIsNotPrivate) {
  testing::TempDir dir;
  std::string path = dir.file("a.bin");
  write_file_atomically(path, "x");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_NE(st.st_mode & 0044, 0u) << "mkstemp's 0600 leaked into the file (umask permitting, it should be 0644)";
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  write_file_atomically(path, "y");
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
}

TEST(AtomicFile, TempFileIsBesideTheTargetAndComplete) {
  testing::TempDir dir;
  std::string path = dir.file("model.safetensors");
  std::string seen;
  {
    HookGuard hook([&](const std::string& temp) {
      EXPECT_THAT(temp, StartsWith(path + ".tmp."));
      seen = testing::read_bytes(temp);
    });
    write_file_atomically(path, "payload");
  }
  EXPECT_EQ(seen, "payload");
}

// A crash or failure between the write and the rename: the previous file must be untouched.
TEST(AtomicFile, FailureBetweenWriteAndRenameLeavesThePreviousFileIntact) {
  testing::TempDir dir;
  std::string path = dir.file("model.safetensors");
  StateDict old_sd;
  old_sd.insert("w", tensor(std::vector<float>{1, 2, 3}));
  save_safetensors(old_sd, path);
  std::string old_bytes = testing::read_bytes(path);

  StateDict new_sd;
  new_sd.insert("w", tensor(std::vector<float>{9, 9, 9, 9}));
  {
    HookGuard hook([](const std::string&) { throw std::runtime_error("simulated power cut"); });
    EXPECT_THROW(save_safetensors(new_sd, path), std::runtime_error);
  }
  EXPECT_EQ(testing::read_bytes(path), old_bytes);
  EXPECT_EQ(load_safetensors(path).tensors.at("w").to_vector(), (std::vector<double>{1, 2, 3}));
  EXPECT_THAT(dir.entries(), ElementsAre("model.safetensors"));  // the temp file was removed
}

// A write that fails half-way, as on a full disk: RLIMIT_FSIZE makes write(2) fail with EFBIG
// after a few bytes, without needing a real full file system.
TEST(AtomicFile, FailedWriteLeavesThePreviousFileIntactAndSaysWhy) {
  testing::TempDir dir;
  std::string path = dir.file("model.safetensors");
  write_file_atomically(path, "old contents");

  rlimit old_limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  rlimit small = old_limit;
  small.rlim_cur = 4096;
  auto old_handler = ::signal(SIGXFSZ, SIG_IGN);  // else the kernel kills the process
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string message;
  try {
    write_file_atomically(path, std::string(1 << 20, 'x'));
  } catch (const IoError& e) {
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  ::signal(SIGXFSZ, old_handler);

  EXPECT_THAT(message, HasSubstr(path + ": cannot write the file: write to " + path + ".tmp."));
  EXPECT_THAT(message, HasSubstr("File too large"));
  EXPECT_THAT(message, HasSubstr("a previous file at this path is unchanged"));
  EXPECT_EQ(testing::read_bytes(path), "old contents");
  EXPECT_THAT(dir.entries(), ElementsAre("model.safetensors"));
}

TEST(AtomicFile, MissingFolderIsAnErrorNamingThePath) {
  testing::TempDir dir;
  std::string path = dir.file("no/such/folder/model.safetensors");
  try {
    write_file_atomically(path, "x");
    FAIL() << "wrote";
  } catch (const IoError& e) {
    EXPECT_THAT(e.what(), HasSubstr(path + ": cannot write the file: cannot create a temporary file in '" +
                                    dir.file("no/such/folder") + "': No such file or directory"));
  }
}

TEST(AtomicFile, FolderThatIsARegularFileIsAnError) {
  testing::TempDir dir;
  testing::write_bytes(dir.file("plain"), "I am a file");
  std::string path = dir.file("plain/model.safetensors");
  try {
    write_file_atomically(path, "x");
    FAIL() << "wrote";
  } catch (const IoError& e) {
    EXPECT_THAT(e.what(), HasSubstr(path + ": cannot write the file"));
    EXPECT_THAT(e.what(), HasSubstr("Not a directory"));
  }
  EXPECT_EQ(testing::read_bytes(dir.file("plain")), "I am a file");
}

TEST(AtomicFile, UnwritableFolderLeavesThePreviousFileIntact) {
  testing::TempDir dir;
  std::string path = dir.file("model.safetensors");
  write_file_atomically(path, "old");
  ASSERT_EQ(::chmod(dir.path().c_str(), 0555), 0);
  // root (and CAP_DAC_OVERRIDE) writes into a 0555 folder anyway: then there is nothing to test.
  std::string probe = dir.file("probe");
  if (FILE* f = std::fopen(probe.c_str(), "w")) {
    std::fclose(f);
    std::remove(probe.c_str());
    ::chmod(dir.path().c_str(), 0755);
    GTEST_SKIP() << "running with permission to write into a 0555 folder (root?): the parent-is-a-file test covers "
                    "a folder that cannot be written";
  }
  try {
    write_file_atomically(path, "new");
    ADD_FAILURE() << "wrote";
  } catch (const IoError& e) {
    EXPECT_THAT(e.what(), HasSubstr(path + ": cannot write the file"));
    EXPECT_THAT(e.what(), HasSubstr("Permission denied"));
  }
  ::chmod(dir.path().c_str(), 0755);
  EXPECT_EQ(testing::read_bytes(path), "old");
}

}  // namespace
}  // namespace minidl

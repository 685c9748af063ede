// A fresh directory under the system temp dir, removed with its files at the end of the test.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace minidl::testing {

class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string("minidl_") + (info ? info->name() : "test") + "_" + std::to_string(std::random_device{}());
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string path(const std::string& file) const { return (path_ / file).string(); }
  std::string dir() const { return path_.string(); }
  // Writes `content` to `file` and returns its path.
  std::string write(const std::string& file, const std::string& content) const {
    std::ofstream(path(file), std::ios::binary) << content;
    return path(file);
  }

 private:
  std::filesystem::path path_;
};

}  // namespace minidl::testing

// Runs the built `minidl` binary (MINIDL_CLI_PATH, set by tests/CMakeLists.txt) as a user would:
// arguments, environment, exit code, and stdout/stderr captured separately (stdout is a file,
// not a terminal, so progress is one plain line per epoch).
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "data/temp_dir.h"

#ifndef MINIDL_CLI_PATH
#error "MINIDL_CLI_PATH must name the minidl binary (tests/CMakeLists.txt sets it)"
#endif

namespace minidl::testing {

struct CliResult {
  int code = -1;    // exit code; 128 + n when killed by signal n
  std::string out;  // stdout
  std::string err;  // stderr
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) lines.push_back(line);
  return lines;
}

inline int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Starts `minidl args...` with extra environment variables, stdout and stderr to the given files.
inline pid_t spawn_minidl(const std::vector<std::string>& args, const std::string& out_file, const std::string& err_file,
                          const std::map<std::string, std::string>& env = {}, const std::string& cwd = "") {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) std::_Exit(126);
    int out = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::unsetenv("MINIDL_STOP_AFTER_STEPS");  // the test hook only where a test asks for it
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    std::string binary = MINIDL_CLI_PATH;
    argv.push_back(binary.data());
    std::vector<std::string> copy = args;
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    std::_Exit(127);
  }
  return pid;
}

inline int wait_for(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return exit_code_of(status);
}

// Runs `minidl args...` to the end.
// `cwd`: the working folder of the process (default: the test's).
inline CliResult run_minidl(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
                            const std::string& cwd = "") {
  TempDir io;
  pid_t pid = spawn_minidl(args, io.path("out"), io.path("err"), env, cwd);
  CliResult r;
  r.code = wait_for(pid);
  r.out = read_text(io.path("out"));
  r.err = read_text(io.path("err"));
  return r;
}

// What a failed run printed, for assertion messages.
inline std::string describe(const CliResult& r) {
  return "exit code " + std::to_string(r.code) + "\n--- stdout:\n" + r.out + "--- stderr:\n" + r.err;
}

inline nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(read_text(path)); }

// A CSV file as its header and rows of cells.
struct Csv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  int column(const std::string& name) const {
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return static_cast<int>(i);
    }
    ADD_FAILURE() << "no column " << name;
    return 0;
  }
};

inline Csv read_csv_file(const std::string& path) {
  Csv csv;
  auto split = [](const std::string& line) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
    if (!line.empty() && line.back() == ',') cells.push_back("");
    return cells;
  };
  std::vector<std::string> lines = lines_of(read_text(path));
  if (lines.empty()) return csv;
  csv.header = split(lines[0]);
  for (size_t i = 1; i < lines.size(); ++i) csv.rows.push_back(split(lines[i]));
  return csv;
}

// A small disk task: 200 training and 200 test points, the default 2-25-25-25-2 ReLU network.
inline const char* kSmallConfig = R"(# a small disk task for the CLI tests
[data]
train_size = 200
test_size = 200

[optimizer]
name = "adam"
lr = 0.01

[train]
batch_size = 50
epochs = 5
)";

inline bool gnuplot_available() { return std::system("command -v gnuplot > /dev/null 2>&1") == 0; }

inline bool torch_available() {
  static const bool available = std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0;
  return available;
}

}  // namespace minidl::testing

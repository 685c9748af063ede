// Runs a program under mpirun for the tests: MINIDL_MPIEXEC (mpirun, found by CMake) with
// --oversubscribe (more ranks than the CI's 2 cores), --allow-run-as-root when root, and mpirun's
// own --timeout, so a job that hangs is ended and named rather than waited on by ctest.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "data/temp_dir.h"

namespace minidl::testing {

struct MpiResult {
  int code = -1;  // exit code; 128 + n when mpirun was killed by signal n
  std::string out, err;
  std::string describe() const {
    return "exit code " + std::to_string(code) + "\n--- stdout:\n" + out + "--- stderr:\n" + err;
  }
};

inline bool mpi_tests_enabled() {
#if defined(MINIDL_MPIEXEC)
  return true;
#else
  return false;
#endif
}

inline const char* mpi_skip_reason() { return "this build has no MPI (or CMake found no mpirun)"; }

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `mpirun -n ranks program args...` in the folder `cwd` (default: the test's) with extra
// environment variables; program defaults to the test worker (tests/dist/mpi_worker.cpp).
inline MpiResult run_mpi(int ranks, const std::vector<std::string>& args, std::string program = "",
                         const std::vector<std::pair<std::string, std::string>>& env = {}, int timeout_seconds = 240) {
  MpiResult r;
#if defined(MINIDL_MPIEXEC)
#ifdef MINIDL_MPI_WORKER
  if (program.empty()) program = MINIDL_MPI_WORKER;
#endif
  std::vector<std::string> argv = {MINIDL_MPIEXEC, "--oversubscribe", "--timeout", std::to_string(timeout_seconds)};
  if (::geteuid() == 0) argv.push_back("--allow-run-as-root");
  argv.insert(argv.end(), {"-n", std::to_string(ranks), program});
  argv.insert(argv.end(), args.begin(), args.end());
  TempDir io;
  std::string out = io.path("out"), err = io.path("err");
  pid_t pid = ::fork();
  if (pid == 0) {
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(o, 1);
    ::dup2(e, 2);
    // Containers often forbid the cross-process memory copy (CMA) of Open MPI's shared-memory
    // transport; plain copies through shared memory work everywhere.
    ::setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 0);
    ::unsetenv("MINIDL_STOP_AFTER_STEPS");  // the CLI's test hook only where a test asks for it
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> c;
    for (std::string& a : argv) c.push_back(a.data());
    c.push_back(nullptr);
    ::execv(c[0], c.data());
    std::_Exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
#else
  (void)ranks, (void)args, (void)program, (void)env, (void)timeout_seconds;
#endif
  return r;
}

// The job ended well and rank 0 printed `expected`.
inline void expect_pass(const MpiResult& r, const std::string& expected) {
  EXPECT_EQ(r.code, 0) << r.describe();
  EXPECT_THAT(r.out, ::testing::HasSubstr(expected)) << r.describe();
}

}  // namespace minidl::testing

// posix_spawn with an argument vector: see subprocess.h.
#include "subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace minidl::cli {

namespace {

volatile std::sig_atomic_t g_signal_while_waiting = 0;

void note_signal(int signal) { g_signal_while_waiting = signal; }

// Installs note_signal for SIGINT and SIGTERM while a program runs; the previous handlers come back
// afterwards (the caller decides what the signal means).
struct SignalNote {
  struct sigaction old_int {}, old_term {};
  SignalNote() {
    g_signal_while_waiting = 0;
    struct sigaction sa {};
    sa.sa_handler = note_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: waitpid returns EINTR and the signal is passed on
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
  }
  ~SignalNote() {
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
  }
};

}  // namespace

std::string find_program(const std::string& program) {
  if (program.find('/') != std::string::npos) return access(program.c_str(), X_OK) == 0 ? program : "";
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  for (;;) {
    size_t end = dirs.find(':', start);
    std::string dir = dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    struct stat st {};
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(candidate.c_str(), X_OK) == 0) return candidate;
    if (end == std::string::npos) return "";
    start = end + 1;
  }
}

ProgramResult run_program(const std::vector<std::string>& argv, const std::string& cwd, const std::string& log_name) {
  ProgramResult result;
  std::string binary = find_program(argv.at(0));
  if (binary.empty()) {
    result.error = argv[0] + ": not found in PATH";
    return result;
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  // The actions run in order: the log is opened in `cwd`.
  posix_spawn_file_actions_addopen(&actions, 1, log_name.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  // The program gets the default signal dispositions (ours are handlers or SIG_IGN).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults, none;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  SignalNote note;
  pid_t pid = 0;
  int rc = posix_spawn(&pid, binary.c_str(), &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    result.error = argv[0] + ": cannot start: " + std::strerror(rc);
    return result;
  }
  result.started = true;
  int status = 0;
  bool forwarded = false;
  for (;;) {
    pid_t done = waitpid(pid, &status, 0);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      result.error = argv[0] + ": waitpid: " + std::strerror(errno);
      return result;
    }
    if (g_signal_while_waiting && !forwarded) {  // e.g. a SIGTERM sent to minidl alone
      kill(pid, SIGTERM);
      forwarded = true;
    }
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  bool killed = WIFSIGNALED(status) && (WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM);
  result.interrupted = g_signal_while_waiting != 0 || killed;
  return result;
}

}  // namespace minidl::cli

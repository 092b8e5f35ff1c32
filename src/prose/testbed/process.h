// A child process of a test bed: fork/exec with an argv, extra environment variables, a working directory and a log
// file; stopped with SIGTERM, then SIGKILL after a grace period, at the latest when the object is destroyed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "prose/util/result.h"

namespace prose::testbed {

struct SpawnOptions {
  std::vector<std::string> argv;                         // argv[0] is the program: a path, or a name looked up in PATH
  std::vector<std::pair<std::string, std::string>> env;  // set in the child, on top of this process's environment
  std::string cwd;                                       // the child's working directory ("": this one's)
  // stdout and stderr go to this file ("": /dev/null), truncated unless append_log.
  std::string log;
  bool append_log = false;
  int log_mode = 0644;  // permissions of a log file it creates
  // stderr stays this process's stderr (only stdout goes to `log`).
  bool keep_stderr = false;
  // stdout to a pipe instead (read it with Process::stdout_fd()); stderr still goes to `log`.
  bool pipe_stdout = false;
  // stderr goes where stdout goes (with pipe_stdout: into the pipe too).
  bool merge_stderr = false;
  // SIGKILL when this process dies (it never outlives a campaign that crashed).
  bool die_with_parent = false;
  // Descriptors above 2 are closed in the child, not only the close-on-exec ones (no socket of ours stays open).
  bool close_other_fds = false;
};

// How a child ended: its exit code, or the signal that ended it.
struct ExitStatus {
  bool signalled = false;
  int code = 0;  // exit code, or the signal number when signalled
  bool ok() const { return !signalled && code == 0; }
  std::string to_string() const;  // "exit code 3", "signal 9 (Killed)"
};

class Process {
 public:
  // Starts the child. Errors (kIo) when fork fails, when the program cannot be run (not found, not executable) or
  // when the working directory or the log file cannot be opened; the message names the program and why.
  static Result<Process> spawn(SpawnOptions o);

  Process() = default;
  Process(Process&& o) noexcept;
  Process& operator=(Process&& o) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();  // stop() when still running

  pid_t pid() const { return pid_; }
  const std::string& name() const { return name_; }
  // The read end of the stdout pipe (pipe_stdout), -1 otherwise; closed with the object.
  int stdout_fd() const { return out_fd_; }
  // The read end of the stdout pipe, now the caller's to close (-1 without one).
  int release_stdout() { return std::exchange(out_fd_, -1); }
  // Still running? (reaps it when it has ended; exit_status() then tells how)
  bool alive();
  const std::optional<ExitStatus>& exit_status() const { return status_; }
  // Sends `sig` (e.g. SIGHUP) and leaves it running.
  void signal(int sig) const;
  // Waits up to `timeout` for the child to end by itself: its status, or nullopt when it still runs.
  std::optional<ExitStatus> wait(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL when it has not ended after `grace`; returns how it ended (nullopt when never started).
  std::optional<ExitStatus> stop(std::chrono::milliseconds grace = std::chrono::seconds(2));

 private:
  void close_pipe();
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string name_;
  std::optional<ExitStatus> status_;
};

// Runs argv to its end with stdout and stderr captured together: how it ended and what it printed. Errors as spawn.
struct RunOutput {
  ExitStatus status;
  std::string output;
};
Result<RunOutput> run(std::vector<std::string> argv);
// `sh -c command` to its end: its exit code (-1 when it could not run or ended by a signal) and what it printed on
// stdout and stderr.
std::pair<int, std::string> run_shell(const std::string& command);

// The path of the running program (/proc/self/exe), to start another instance of it.
std::string self_exe();

}  // namespace prose::testbed

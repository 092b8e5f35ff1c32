#include "prose/testbed/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

extern char** environ;

namespace prose::testbed {

namespace {

// What the child reports through the close-on-exec pipe when it cannot get as far as exec.
struct ChildFailure {
  int stage;  // 0 cwd, 1 log, 2 exec
  int err;
};

ExitStatus decode(int st) {
  if (WIFSIGNALED(st)) return ExitStatus{true, WTERMSIG(st)};
  return ExitStatus{false, WIFEXITED(st) ? WEXITSTATUS(st) : -1};
}

// The environment for the child: this process's, with `extra` set (replacing a variable of the same name).
std::vector<std::string> child_env(const std::vector<std::pair<std::string, std::string>>& extra) {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    bool replaced = false;
    for (const auto& [k, v] : extra)
      replaced = replaced || (kv.size() > k.size() && kv.substr(0, k.size()) == k && kv[k.size()] == '=');
    if (!replaced) out.emplace_back(kv);
  }
  for (const auto& [k, v] : extra) out.push_back(k + "=" + v);
  return out;
}

}  // namespace

std::string ExitStatus::to_string() const {
  if (!signalled) return "exit code " + std::to_string(code);
  const char* d = ::strsignal(code);
  return "signal " + std::to_string(code) + (d ? std::string(" (") + d + ")" : "");
}

Result<Process> Process::spawn(SpawnOptions o) {
  if (o.argv.empty() || o.argv[0].empty()) return fail(Errc::kInvalidArgument, "spawn: no program given");
  std::vector<char*> argv;
  for (auto& a : o.argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = child_env(o.env);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string log = o.log.empty() ? "/dev/null" : o.log;
  const int log_flags = O_WRONLY | O_CREAT | (o.append_log ? O_APPEND : O_TRUNC);

  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return fail(Errc::kIo, std::string("spawn: pipe: ") + std::strerror(errno));
  int out[2] = {-1, -1};
  if (o.pipe_stdout && ::pipe2(out, O_CLOEXEC) != 0) {
    ::close(report[0]);
    ::close(report[1]);
    return fail(Errc::kIo, std::string("spawn: pipe: ") + std::strerror(errno));
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    for (int fd : {report[0], report[1], out[0], out[1]})
      if (fd >= 0) ::close(fd);
    return fail(Errc::kIo, std::string("spawn: fork: ") + std::strerror(err));
  }
  if (pid == 0) {  // only async-signal-safe calls from here on
    auto die = [&](int stage) {
      ChildFailure f{stage, errno};
      ssize_t n = ::write(report[1], &f, sizeof f);
      (void)n;
      ::_exit(127);
    };
    if (o.die_with_parent) ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (!o.cwd.empty() && ::chdir(o.cwd.c_str()) != 0) die(0);
    int lf = ::open(log.c_str(), log_flags, static_cast<mode_t>(o.log_mode));
    if (lf < 0) die(1);
    int in = ::open("/dev/null", O_RDONLY);
    if (in >= 0) ::dup2(in, 0);
    ::dup2(o.pipe_stdout ? out[1] : lf, 1);
    if (o.merge_stderr)
      ::dup2(1, 2);
    else if (!o.keep_stderr)
      ::dup2(lf, 2);
    if (lf > 2) ::close(lf);
    if (in > 2) ::close(in);
    if (o.close_other_fds) {  // all but the report pipe, which closes itself at exec
      if (report[1] > 3) ::syscall(SYS_close_range, 3u, static_cast<unsigned>(report[1]) - 1, 0u);
      ::syscall(SYS_close_range, static_cast<unsigned>(report[1]) + 1, ~0u, 0u);
    }
    ::execvpe(argv[0], argv.data(), envp.data());
    die(2);
  }
  ::close(report[1]);
  if (out[1] >= 0) ::close(out[1]);
  ChildFailure f{};
  ssize_t n;
  do {
    n = ::read(report[0], &f, sizeof f);
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n == static_cast<ssize_t>(sizeof f)) {
    int st = 0;
    ::waitpid(pid, &st, 0);
    if (out[0] >= 0) ::close(out[0]);
    std::string why = std::strerror(f.err);
    if (f.stage == 0) return fail(Errc::kIo, "spawn " + o.argv[0] + ": cannot enter " + o.cwd + ": " + why);
    if (f.stage == 1) return fail(Errc::kIo, "spawn " + o.argv[0] + ": cannot open the log " + log + ": " + why);
    return fail(Errc::kIo, "spawn " + o.argv[0] + ": cannot run it: " + why);
  }
  Process p;
  p.pid_ = pid;
  p.out_fd_ = out[0];
  p.name_ = std::filesystem::path(o.argv[0]).filename().string();
  return p;
}

Process::Process(Process&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)),
      out_fd_(std::exchange(o.out_fd_, -1)),
      name_(std::move(o.name_)),
      status_(std::move(o.status_)) {}

Process& Process::operator=(Process&& o) noexcept {
  if (this != &o) {
    stop();
    close_pipe();
    pid_ = std::exchange(o.pid_, -1);
    out_fd_ = std::exchange(o.out_fd_, -1);
    name_ = std::move(o.name_);
    status_ = std::move(o.status_);
  }
  return *this;
}

Process::~Process() {
  stop();
  close_pipe();
}

void Process::close_pipe() {
  if (out_fd_ >= 0) ::close(out_fd_);
  out_fd_ = -1;
}

bool Process::alive() {
  if (pid_ <= 0) return false;
  int st = 0;
  pid_t r = ::waitpid(pid_, &st, WNOHANG);
  if (r == 0) return true;
  if (r == pid_) status_ = decode(st);
  pid_ = -1;
  return false;
}

void Process::signal(int sig) const {
  if (pid_ > 0) ::kill(pid_, sig);
}

std::optional<ExitStatus> Process::wait(std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (alive()) {
    if (std::chrono::steady_clock::now() >= end) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status_;
}

std::optional<ExitStatus> Process::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return status_;
  ::kill(pid_, SIGTERM);
  if (auto st = wait(grace)) return st;
  ::kill(pid_, SIGKILL);
  int st = 0;
  if (::waitpid(pid_, &st, 0) == pid_) status_ = decode(st);
  pid_ = -1;
  return status_;
}

Result<RunOutput> run(std::vector<std::string> argv) {
  SpawnOptions o;
  o.argv = std::move(argv);
  o.pipe_stdout = true;
  o.merge_stderr = true;
  auto p = Process::spawn(std::move(o));
  if (!p.ok()) return fail(p.error());
  RunOutput r;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(p->stdout_fd(), buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) r.output.append(buf, static_cast<std::size_t>(n));
  // The output ended: the program has ended or closed it (then it is stopped like any child).
  auto st = p->wait(std::chrono::seconds(10));
  r.status = st ? *st : p->stop().value_or(ExitStatus{true, SIGKILL});
  return r;
}

std::pair<int, std::string> run_shell(const std::string& command) {
  auto r = run({"/bin/sh", "-c", command});
  if (!r.ok()) return {-1, r.error().message};
  return {r->status.signalled ? -1 : r->status.code, std::move(r->output)};
}

std::string self_exe() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

}  // namespace prose::testbed

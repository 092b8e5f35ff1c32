#include "prose/agents/event_loop.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstring>
#include <mutex>
#include <string>

namespace prose::agents {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_rebind{false};
std::atomic<bool> g_stop_delivery{false};

namespace {

// The self-pipe: the handlers write a byte to its write end, every EventLoop watches its read end.
std::atomic<int> g_wake_write{-1};
int g_wake_read = -1;
constexpr std::uint64_t kWakeTag = ~std::uint64_t{0};  // not a tag the agents use (theirs are small or L2 IDs)

// Made once per process; kIo when the system refuses.
Status wake_pipe() {
  static std::once_flag once;
  static Status made;
  std::call_once(once, [] {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
      made = fail(Errc::kIo, std::string("cannot make the signals' pipe: ") + std::strerror(errno));
      return;
    }
    g_wake_read = fds[0];
    g_wake_write = fds[1];
  });
  return made;
}

// Async-signal-safe: write(2) and atomics only, errno kept for the code the signal interrupted.
void wake() {
  const int saved = errno;
  const int fd = g_wake_write.load();
  const char b = 1;
  if (fd >= 0) (void)!::write(fd, &b, 1);  // a full pipe already wakes the loop
  errno = saved;
}

void on_signal(int) {
  g_stop = true;
  wake();
}
void on_hup(int) {
  g_rebind = true;
  wake();
}
void on_usr1(int) {
  g_stop_delivery = true;
  wake();
}

void drain_wake_pipe() {
  char buf[64];
  while (::read(g_wake_read, buf, sizeof buf) > 0) {
  }
}

}  // namespace

Status install_signals() {
  PROSE_TRY_STATUS(wake_pipe());
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGHUP, on_hup);
  std::signal(SIGUSR1, on_usr1);
  return {};
}

link::TimePoint now() { return std::chrono::time_point_cast<link::Millis>(std::chrono::steady_clock::now()); }

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

link::TimePoint at_unix(std::int64_t unix_s) {
  const auto wall_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  const auto until = std::chrono::milliseconds(unix_s * 1000) - wall_ms;
  return now() + std::max(link::Millis(0), std::chrono::duration_cast<link::Millis>(until));
}

std::optional<link::TimePoint> earliest(std::initializer_list<std::optional<link::TimePoint>> deadlines) {
  std::optional<link::TimePoint> e;
  for (const auto& d : deadlines)
    if (d && (!e || *d < *e)) e = d;
  return e;
}

int poll_timeout(std::optional<link::TimePoint> t) {
  if (!t) return -1;
  auto d = std::chrono::duration_cast<std::chrono::milliseconds>(*t - now()).count();
  if (d < 0) return 0;
  return static_cast<int>(std::min<long long>(d, INT_MAX));
}

EventLoop::~EventLoop() {
  if (fd_ >= 0) ::close(fd_);
}

Status EventLoop::open() {
  PROSE_TRY_STATUS(wake_pipe());
  fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd_ < 0) return fail(Errc::kIo, std::string("epoll_create1 failed: ") + std::strerror(errno));
  return watch(g_wake_read, kWakeTag);
}

Status EventLoop::watch(int fd, std::uint64_t tag) {
  epoll_event e{};
  e.events = EPOLLIN;
  e.data.u64 = tag;
  if (::epoll_ctl(fd_, EPOLL_CTL_ADD, fd, &e) != 0)
    return fail(Errc::kIo, std::string("epoll_ctl failed: ") + std::strerror(errno));
  return {};
}

void EventLoop::unwatch(int fd) { (void)::epoll_ctl(fd_, EPOLL_CTL_DEL, fd, nullptr); }

const std::vector<std::uint64_t>& EventLoop::wait(std::optional<link::TimePoint> deadline) {
  std::array<epoll_event, 256> events{};
  // A signal while epoll_wait sleeps: -1/EINTR, or the pipe's byte when the handler ran on another thread; one
  // before it: the byte. Either way the caller sees the flag the handler set before it wrote.
  const int n = ::epoll_wait(fd_, events.data(), static_cast<int>(events.size()), poll_timeout(deadline));
  ready_.clear();
  for (int i = 0; i < n; ++i) {
    const std::uint64_t tag = events[static_cast<std::size_t>(i)].data.u64;
    if (tag == kWakeTag)
      drain_wake_pipe();
    else
      ready_.push_back(tag);
  }
  return ready_;
}

}  // namespace prose::agents

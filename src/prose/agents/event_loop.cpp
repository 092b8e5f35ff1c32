#include "prose/agents/event_loop.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <string>

namespace prose::agents {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_rebind{false};
std::atomic<bool> g_stop_delivery{false};

namespace {
void on_signal(int) { g_stop = true; }
void on_hup(int) { g_rebind = true; }
void on_usr1(int) { g_stop_delivery = true; }
}  // namespace

void install_signals() {
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGHUP, on_hup);
  std::signal(SIGUSR1, on_usr1);
}

link::TimePoint now() { return std::chrono::time_point_cast<link::Millis>(std::chrono::steady_clock::now()); }

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int poll_timeout(std::optional<link::TimePoint> t, int cap_ms) {
  if (!t) return cap_ms;
  auto d = std::chrono::duration_cast<std::chrono::milliseconds>(*t - now()).count();
  if (d < 0) return 0;
  return static_cast<int>(std::min<long long>(d, cap_ms));
}

EventLoop::~EventLoop() {
  if (fd_ >= 0) ::close(fd_);
}

Status EventLoop::open() {
  fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd_ < 0) return fail(Errc::kIo, std::string("epoll_create1 failed: ") + std::strerror(errno));
  return {};
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

const std::vector<std::uint64_t>& EventLoop::wait(std::optional<link::TimePoint> deadline, int cap_ms) {
  std::array<epoll_event, 256> events{};
  const int n = ::epoll_wait(fd_, events.data(), static_cast<int>(events.size()), poll_timeout(deadline, cap_ms));
  ready_.clear();
  for (int i = 0; i < n; ++i) ready_.push_back(events[static_cast<std::size_t>(i)].data.u64);
  return ready_;
}

}  // namespace prose::agents

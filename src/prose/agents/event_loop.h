// What the agents' event loops share: the signals (SIGTERM/SIGINT stop, SIGHUP and SIGUSR1 for the Remote UE),
// the clocks (the services take the time as an input; only the agents read it), and epoll.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>

#include "prose/link/timers.h"
#include "prose/util/result.h"

namespace prose::agents {

extern std::atomic<bool> g_stop;
extern std::atomic<bool> g_rebind;         // SIGHUP: the Remote UE's address changes (new MIKEY socket)
extern std::atomic<bool> g_stop_delivery;  // SIGUSR1: the Remote UE gives up PRUK delivery
void install_signals();

link::TimePoint now();
std::int64_t unix_now();
// Milliseconds until `t` (0 when due), at most cap_ms; cap_ms when there is no deadline.
int poll_timeout(std::optional<link::TimePoint> t, int cap_ms);

// An epoll instance; each watched descriptor carries a 64-bit tag.
class Epoll {
 public:
  Epoll() = default;
  Epoll(const Epoll&) = delete;
  Epoll& operator=(const Epoll&) = delete;
  ~Epoll();
  Status open();
  Status add(int fd, std::uint64_t tag);
  void remove(int fd);
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

}  // namespace prose::agents

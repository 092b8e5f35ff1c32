// The agents' event loop: the signals (SIGTERM/SIGINT stop, SIGHUP and SIGUSR1 for the Remote UE), the clocks (the
// services take the time as an input; only the agents read it), and one epoll-based wait for the descriptors the
// agent watches and the earliest deadline of its service's timer queue. A signal reaches the wait through a
// self-pipe the loop watches: the wait sleeps until the next deadline or descriptor, however far, and a signal
// ends it at once.
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <vector>

#include "prose/link/timers.h"
#include "prose/util/result.h"

namespace prose::agents {

extern std::atomic<bool> g_stop;
extern std::atomic<bool> g_rebind;         // SIGHUP: the Remote UE's address changes (new MIKEY socket)
extern std::atomic<bool> g_stop_delivery;  // SIGUSR1: the Remote UE gives up PRUK delivery
// The handlers set the flag above and wake every EventLoop's wait; SIGPIPE is ignored. kIo when the self-pipe
// cannot be made.
Status install_signals();

link::TimePoint now();
std::int64_t unix_now();
// The steady-clock time point at which unix_now() reaches `unix_s` (now() when it already has).
link::TimePoint at_unix(std::int64_t unix_s);
// The earliest of the deadlines that are set; nullopt when none is.
std::optional<link::TimePoint> earliest(std::initializer_list<std::optional<link::TimePoint>> deadlines);
// Milliseconds until `t` for epoll_wait: 0 when due, -1 (no end) when there is no deadline.
int poll_timeout(std::optional<link::TimePoint> t);

// Each watched descriptor carries a 64-bit tag. Level-triggered: a descriptor the agent does not read in a phase
// must not be watched in it (it would wake every wait).
class EventLoop {
 public:
  EventLoop() = default;
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  ~EventLoop();
  // kIo when epoll or the signals' self-pipe cannot be set up.
  Status open();
  Status watch(int fd, std::uint64_t tag);
  void unwatch(int fd);
  // Waits until a watched descriptor is readable, `deadline` is reached (without a deadline: for ever) or a
  // signal arrived; returns the tags of the readable descriptors (valid until the next wait).
  const std::vector<std::uint64_t>& wait(std::optional<link::TimePoint> deadline);

 private:
  int fd_ = -1;
  std::vector<std::uint64_t> ready_;
};

}  // namespace prose::agents

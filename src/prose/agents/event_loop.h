// The agents' event loop: the signals (SIGTERM/SIGINT stop, SIGHUP and SIGUSR1 for the Remote UE), the clocks (the
// services take the time as an input; only the agents read it), and one epoll-based wait for the descriptors the
// agent watches and the earliest deadline of its service's timer queue.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <vector>

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

// Each watched descriptor carries a 64-bit tag. Level-triggered: a descriptor the agent does not read in a phase
// must not be watched in it (it would wake every wait).
class EventLoop {
 public:
  EventLoop() = default;
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  ~EventLoop();
  Status open();
  Status watch(int fd, std::uint64_t tag);
  void unwatch(int fd);
  // Waits until a watched descriptor is readable, `deadline` is reached, cap_ms have passed or a signal arrived;
  // returns the tags of the readable descriptors (valid until the next wait).
  const std::vector<std::uint64_t>& wait(std::optional<link::TimePoint> deadline, int cap_ms);

 private:
  int fd_ = -1;
  std::vector<std::uint64_t> ready_;
};

}  // namespace prose::agents

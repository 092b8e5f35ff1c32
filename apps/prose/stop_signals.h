// Servers run until SIGINT or SIGTERM: block both before any thread starts (so only wait_for_stop_signal() sees
// them), then wait for one of them.
#pragma once

#include <pthread.h>

#include <csignal>

namespace prose::cli {

inline sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}
inline void block_stop_signals() {
  sigset_t set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}
inline int wait_for_stop_signal() {
  sigset_t set = stop_signals();
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

}  // namespace prose::cli

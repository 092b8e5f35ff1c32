// Servers run until SIGINT or SIGTERM; SIGHUP asks them to re-read what they can while running (the CRL). Block
// the three before any thread starts (so only wait_for_stop_signal() sees them), then wait.
#pragma once

#include <pthread.h>

#include <csignal>

namespace prose::cli {

inline sigset_t server_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}
inline void block_stop_signals() {
  sigset_t set = server_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}
// Calls on_reload() for every SIGHUP; returns the signal that stops the server.
template <typename OnReload>
int wait_for_stop_signal(OnReload&& on_reload) {
  sigset_t set = server_signals();
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig != SIGHUP) return sig;
    on_reload();
  }
}

}  // namespace prose::cli

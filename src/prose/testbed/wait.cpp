#include "prose/testbed/wait.h"

#include <fstream>
#include <functional>
#include <thread>

#include "prose/testbed/ports.h"

namespace prose::testbed {

namespace {

// Polls `ready` every 20 ms until it holds, the process ends or the time is up.
Status poll(const std::function<bool()>& ready, const std::string& what, std::chrono::milliseconds timeout,
            Process* process) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (ready()) return ok_status();
    if (process != nullptr && !process->alive()) {
      const auto& st = process->exit_status();
      return fail(Errc::kState,
                  process->name() + " ended (" + (st ? st->to_string() : "not started") + ") before " + what);
    }
    if (std::chrono::steady_clock::now() >= end) {
      return fail(Errc::kTimeout, "no " + what + " within " + std::to_string(timeout.count()) + " ms" +
                                      (process != nullptr ? " (" + process->name() + " still runs)" : ""));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

Status wait_for_tcp(std::uint16_t port, std::chrono::milliseconds timeout, Process* process) {
  return poll([port] { return tcp_accepting(port); }, "TCP listener on 127.0.0.1:" + std::to_string(port), timeout,
              process);
}

Status wait_for_udp(std::uint16_t port, std::chrono::milliseconds timeout, Process* process) {
  return poll([port] { return udp_bound(port); }, "UDP socket on 127.0.0.1:" + std::to_string(port), timeout, process);
}

Status wait_for_log_line(const std::string& log, const std::string& needle, std::chrono::milliseconds timeout,
                         Process* process) {
  auto found = [&] {
    std::ifstream f(log);
    std::string line;
    while (std::getline(f, line))
      if (line.find(needle) != std::string::npos) return true;
    return false;
  };
  return poll(found, "line with \"" + needle + "\" in " + log, timeout, process);
}

}  // namespace prose::testbed

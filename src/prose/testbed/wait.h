// Waiting for a child server to be ready: a TCP port that accepts, a UDP port that is bound, a line in its log. Each
// gives up after `timeout` (kTimeout) or as soon as the process ended (kState, with its exit status), and says which.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "prose/testbed/process.h"
#include "prose/util/result.h"

namespace prose::testbed {

// `process` may be nullptr (a server not started here): then only the timeout ends the wait.
Status wait_for_tcp(std::uint16_t port, std::chrono::milliseconds timeout, Process* process = nullptr);
Status wait_for_udp(std::uint16_t port, std::chrono::milliseconds timeout, Process* process = nullptr);
// A line of the file `log` that contains `needle` (the file may not exist yet).
Status wait_for_log_line(const std::string& log, const std::string& needle, std::chrono::milliseconds timeout,
                         Process* process = nullptr);

}  // namespace prose::testbed

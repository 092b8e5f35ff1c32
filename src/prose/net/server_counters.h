// Internal to the net module: the HTTPS server's counters (ServerStats without the admission gauges) and its
// rate-limited log lines. No Asio, no Beast.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>

#include "prose/net/server.h"
#include "prose/util/rate_limit.h"

namespace prose::net::detail {

// Log lines about refused connections, failed handshakes and bad requests: at most one per kind this often.
inline constexpr std::int64_t kLogIntervalMs = 1000;

// One kind of log line, rate-limited across threads.
struct LogGate {
  // The number of lines suppressed since the last one when this one may be logged, nullopt when it is suppressed.
  std::optional<std::uint64_t> allow();

  std::mutex m;
  LogRateLimiter limiter{kLogIntervalMs};
};

template <std::size_t N>
using Counters = std::array<std::atomic<std::uint64_t>, N>;

struct ServerCounters {
  std::atomic<std::uint64_t> accepted{0}, resumed{0}, requests{0}, http_400{0}, http_413{0}, http_431{0},
      read_timeouts{0}, ended{0};
  Counters<kRefusalCauses> refused{};
  Counters<kHandshakeFailures> hs_failed{};

  // Everything but active_connections and pending_handshakes (the admission's).
  ServerStats snapshot() const;
};

}  // namespace prose::net::detail

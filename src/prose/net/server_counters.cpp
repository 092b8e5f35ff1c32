// The HTTPS server's counters, their names and its rate-limited log lines (no Asio, no Beast).
#include "prose/net/server_counters.h"

#include <chrono>
#include <iterator>

namespace prose::net {

std::string_view refusal_cause_name(RefusalCause c) {
  static constexpr std::string_view kNames[] = {"max_connections", "max_pending_handshakes", "max_pending_per_source",
                                                "max_connections_per_source"};
  static_assert(std::size(kNames) == kRefusalCauses);
  return kNames[static_cast<std::size_t>(c)];
}

std::string_view handshake_failure_name(HandshakeFailure f) {
  static constexpr std::string_view kNames[] = {"no_certificate",  "expired", "unknown_ca", "revoked",
                                                "bad_certificate", "timeout", "closed",     "protocol"};
  static_assert(std::size(kNames) == kHandshakeFailures);
  return kNames[static_cast<std::size_t>(f)];
}

namespace detail {

std::optional<std::uint64_t> LogGate::allow() {
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch());
  std::lock_guard lock(m);
  return limiter.allow(now.count());
}

ServerStats ServerCounters::snapshot() const {
  ServerStats st;
  st.connections_accepted = accepted;
  for (std::size_t i = 0; i < kRefusalCauses; ++i) st.connections_rejected += st.refused[i] = refused[i];
  for (std::size_t i = 0; i < kHandshakeFailures; ++i) st.handshakes_failed += st.handshake_failures[i] = hs_failed[i];
  st.sessions_resumed = resumed;
  st.requests = requests;
  st.http_400 = http_400;
  st.http_413 = http_413;
  st.http_431 = http_431;
  st.read_timeouts = read_timeouts;
  st.bad_requests = st.http_400 + st.http_413 + st.http_431 + st.read_timeouts;
  return st;
}

}  // namespace detail
}  // namespace prose::net

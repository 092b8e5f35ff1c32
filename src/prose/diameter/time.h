// Diameter times: the Time type (RFC 6733 4.3.1: NTP seconds since 1900, RFC 5905) and the device watchdog
// interval Tw with its jitter (RFC 3539 3.4.1). Shared by the client (prose/diameter_client) and the HSS/BSF.
#pragma once

#include <chrono>
#include <cstdint>

namespace prose::diameter {

// Tw with the +-2 s jitter of RFC 3539 3.4.1: the delay before the next watchdog step.
std::chrono::milliseconds watchdog_delay(std::chrono::seconds tw);

// NTP time (RFC 5905, seconds since 1900) as used by the Diameter Time type (RFC 6733 4.3.1).
std::uint32_t unix_to_ntp(std::int64_t unix_seconds);
std::int64_t ntp_to_unix(std::uint32_t ntp);

}  // namespace prose::diameter

#include "prose/diameter/time.h"

#include "prose/diameter/constants.h"
#include "prose/util/random.h"

namespace prose::diameter {

std::chrono::milliseconds watchdog_delay(std::chrono::seconds tw) {
  const auto jitter =
      static_cast<std::int64_t>(random_u32() % (2 * kWatchdogJitterSeconds * 1000 + 1)) - kWatchdogJitterSeconds * 1000;
  return std::chrono::duration_cast<std::chrono::milliseconds>(tw) + std::chrono::milliseconds(jitter);
}

std::uint32_t unix_to_ntp(std::int64_t unix_seconds) {
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(unix_seconds) + kNtpUnixOffset);
}
std::int64_t ntp_to_unix(std::uint32_t ntp) {
  // Era 0 ends in 2036; values below the offset belong to era 1 (RFC 6733 4.3.1 / RFC 5905).
  if (ntp >= kNtpUnixOffset) return static_cast<std::int64_t>(ntp) - kNtpUnixOffset;
  return static_cast<std::int64_t>(ntp) + (std::int64_t{1} << 32) - kNtpUnixOffset;
}

}  // namespace prose::diameter

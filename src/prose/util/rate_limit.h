// Log rate limiting, sans I/O: at most one line per interval for one kind of event; the line that is allowed says
// how many were suppressed since the previous one. Time is an argument (milliseconds on any monotonic clock).
#pragma once

#include <cstdint>
#include <optional>

namespace prose {

class LogRateLimiter {
 public:
  explicit LogRateLimiter(std::int64_t interval_ms) : interval_ms_(interval_ms) {}

  // An event at `now_ms`: the number of events suppressed since the last allowed one when this one may be logged,
  // nullopt when it is suppressed.
  std::optional<std::uint64_t> allow(std::int64_t now_ms) {
    if (last_ms_ && now_ms - *last_ms_ < interval_ms_) {
      ++suppressed_;
      return std::nullopt;
    }
    last_ms_ = now_ms;
    const std::uint64_t s = suppressed_;
    suppressed_ = 0;
    return s;
  }

 private:
  std::int64_t interval_ms_;
  std::optional<std::int64_t> last_ms_;
  std::uint64_t suppressed_ = 0;
};

}  // namespace prose

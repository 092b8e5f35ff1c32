// Rate limiting, sans I/O; time is an argument (milliseconds on any monotonic clock).
//  * LogRateLimiter: at most one line per interval for one kind of event; the line that is allowed says how many
//    were suppressed since the previous one.
//  * TokenBucket: at most `burst` events at once and `rate_per_s` a second on average.
#pragma once

#include <algorithm>
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

class TokenBucket {
 public:
  // `count` tokens every `period_ms` on average, at most `burst` at once; starts full. All three at least 1.
  // Exact integer arithmetic: a token is `period_ms` units, and every millisecond adds `count` units.
  TokenBucket(std::int64_t count, std::int64_t period_ms, std::int64_t burst)
      : count_(count), unit_(period_ms), cap_(burst * period_ms), units_(cap_) {}

  // Spends one token at `now_ms` when there is one.
  bool take(std::int64_t now_ms) {
    refill(now_ms);
    if (units_ < unit_) return false;
    units_ -= unit_;
    return true;
  }
  // True when the bucket has refilled completely by `now_ms` (it then behaves like a new one: callers may drop it).
  bool full(std::int64_t now_ms) {
    refill(now_ms);
    return units_ >= cap_;
  }

 private:
  void refill(std::int64_t now_ms) {
    if (last_ms_ && now_ms > *last_ms_) {
      const std::int64_t room = cap_ - units_;
      const std::int64_t elapsed = now_ms - *last_ms_;
      units_ = elapsed >= room / count_ + 1 ? cap_ : std::min(cap_, units_ + elapsed * count_);
    }
    if (!last_ms_ || now_ms > *last_ms_) last_ms_ = now_ms;  // a clock that steps back refills nothing
  }

  std::int64_t count_, unit_, cap_, units_;
  std::optional<std::int64_t> last_ms_;
};

}  // namespace prose

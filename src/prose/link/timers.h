// Link timers (TS 24.334 names T4100..T4111) and the sans-I/O timer bookkeeping shared by both machines.
// ONE table of values: kTimerTable below (docs/conformance/link.md). The values are PROVISIONAL: the 24.334
// values were not found in any public source; NIST psc-ns3 uses 400/100/1000/100/2000/200 ms for simulation.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace prose::link {

using Millis = std::chrono::milliseconds;
// Monotonic time given by the caller; the machines never read a clock.
using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Millis>;

enum class TimerId : std::uint8_t {
  kT4100,  // Remote UE: DCR sent -> DCA / DCRj; expiry: retransmit the DCR (bounded), then setup failed
  kT4101,  // Remote UE: keepalive sent -> keepalive ack; expiry: retransmit the keepalive (bounded), then release
  kT4102,  // Remote UE: keepalive interval; expiry: send a keepalive
  kT4103,  // both: release sent -> release accept; expiry: retransmit the release (bounded), then released
  kT4108,  // Relay: inactivity; expiry: release the link (reason: no longer available)
  kT4111,  // Relay: DSMC sent -> DSM Complete / DSM Reject; expiry: retransmit the DSMC (bounded), then DCRj
  kRekey,  // Remote UE: Direct Rekeying Request sent -> DSMC; expiry: retransmit the DRRq (bounded). Not a 24.334 name.
};
inline constexpr std::size_t kTimerCount = 7;

struct TimerSpec {
  TimerId id;
  std::string_view name;
  Millis value;
  unsigned max_retransmissions;  // 0 = no retransmission on expiry
  std::string_view status;
};

// clang-format off
inline constexpr std::array<TimerSpec, kTimerCount> kTimerTable{{
  {TimerId::kT4100, "T4100", Millis{1000},  3, "provisional: 24.334 value not found; covers a PKMF round trip"},
  {TimerId::kT4101, "T4101", Millis{1000},  3, "provisional: 24.334 value not found"},
  {TimerId::kT4102, "T4102", Millis{10000}, 0, "provisional: keepalive interval, below the inactivity period"},
  {TimerId::kT4103, "T4103", Millis{1000},  3, "provisional: 24.334 value not found"},
  {TimerId::kT4108, "T4108", Millis{30000}, 0, "provisional: default when the DCR's Maximum Inactivity Period is 0"},
  {TimerId::kT4111, "T4111", Millis{1000},  4, "provisional: 24.334 value not found; 4 retransmissions as NAS T3460 (24.301)"},
  {TimerId::kRekey, "rekey", Millis{1000},  3, "provisional: implementation guard timer for the DRRq"},
}};
// clang-format on

constexpr const TimerSpec& timer_spec(TimerId id) { return kTimerTable[static_cast<std::size_t>(id)]; }
constexpr std::string_view timer_name(TimerId id) { return timer_spec(id).name; }

// Per-machine timer values (defaults from kTimerTable; tests and agents may shorten them).
struct TimerConfig {
  std::array<Millis, kTimerCount> value{};
  std::array<unsigned, kTimerCount> max_retransmissions{};
  // After a retransmission the timer is armed again for its value plus a uniform 0..retransmit_jitter, so that
  // many UEs that lost frames in the same burst do not retransmit in step (0: exactly the value).
  Millis retransmit_jitter{0};
  TimerConfig() {
    for (const auto& s : kTimerTable) {
      value[static_cast<std::size_t>(s.id)] = s.value;
      max_retransmissions[static_cast<std::size_t>(s.id)] = s.max_retransmissions;
    }
  }
  Millis operator[](TimerId id) const { return value[static_cast<std::size_t>(id)]; }
  unsigned retries(TimerId id) const { return max_retransmissions[static_cast<std::size_t>(id)]; }
};

// What a machine asks its driver to do with a timer.
struct TimerCmd {
  enum class Op : std::uint8_t { kArm, kCancel };
  Op op;
  TimerId id;
  TimePoint deadline;  // kArm only
};

// The machine's own view of its timers: an expiry the driver reports is acted on only if that timer is armed and
// due, so a late or duplicated expiry (or one for a cancelled timer) changes nothing.
class TimerSet {
 public:
  void arm(TimerId id, TimePoint deadline) { deadline_[idx(id)] = deadline; }
  void cancel(TimerId id) { deadline_[idx(id)].reset(); }
  bool armed(TimerId id) const { return deadline_[idx(id)].has_value(); }
  std::optional<TimePoint> deadline(TimerId id) const { return deadline_[idx(id)]; }
  bool due(TimerId id, TimePoint now) const { return armed(id) && *deadline_[idx(id)] <= now; }
  void cancel_all() {
    for (auto& d : deadline_) d.reset();
  }
  std::optional<TimePoint> earliest() const {
    std::optional<TimePoint> e;
    for (const auto& d : deadline_)
      if (d && (!e || *d < *e)) e = d;
    return e;
  }
  unsigned& retransmissions(TimerId id) { return retx_[idx(id)]; }

 private:
  static constexpr std::size_t idx(TimerId id) { return static_cast<std::size_t>(id); }
  std::array<std::optional<TimePoint>, kTimerCount> deadline_{};
  std::array<unsigned, kTimerCount> retx_{};
};

}  // namespace prose::link

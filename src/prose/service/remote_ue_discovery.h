// The Remote UE's relay discovery without I/O (docs/architecture.md "Service layer"): the model (Model A: listen
// for announcements; Model B: solicit, take responses) and its fallback when the ProSe Function does not allow the
// configured one, when the next solicitation is due, the solicitation to send, and what a received discovery frame
// means (a relay found, or ignored and why). With a ProSe Function discovery is protected only (protected_discovery.h:
// MIC, counter window, replay); without one the emulation's unprotected messages (prose/discovery/plain.h) are used.
// The agent feeds it frames and the time (steady for the timing, Unix seconds for the UTC-based counter) and sends
// what it returns; it fetches the discovery keys (PC8) into protection(). Nothing in here reads a clock or opens a
// socket.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "prose/link/timers.h"
#include "prose/service/discovery_actions.h"
#include "prose/service/protected_discovery.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose::service {

struct RemoteUeDiscoveryConfig {
  std::string name = "ue";
  std::uint32_t l2_id = 0;
  std::uint32_t relay_service_code = 0;
  DiscoveryModel model = DiscoveryModel::kA;  // as configured (`[ue] discovery`)
};

// A relay was found: its layer-2 ID and how ("Discovery Announcement (Model A)" ...).
struct RelayFound {
  std::uint32_t l2 = 0;
  std::string how;
};
// A frame that did not find a relay, and why (for tests; only protected PDUs that fail their checks are traced).
struct FrameIgnored {
  std::string why;
  std::optional<Errc> error;  // a protected PDU's failed check (kAuthFailed MIC, kClockSkew window, kReplay ...)
};
struct DiscoveryReceipt {
  DiscoveryActions actions;
  std::variant<FrameIgnored, RelayFound> outcome;
  const RelayFound* found() const { return std::get_if<RelayFound>(&outcome); }
  const FrameIgnored* ignored() const { return std::get_if<FrameIgnored>(&outcome); }
};

class RemoteUeDiscovery {
 public:
  // Model B: a solicitation every kSolicitInterval, protected ones every kProtectedSolicitInterval (at most one per
  // UTC-based counter value: the same message at the same counter is the same PDU, which relays drop as a replay).
  static constexpr link::Millis kSolicitInterval{500};
  static constexpr link::Millis kProtectedSolicitInterval{1000};
  // No relay within this time after start(): the UE gives up.
  static constexpr link::Millis kTimeout{30000};

  // Unprotected without `pf`. With it: protected, and the other model when the ProSe Function does not allow the
  // configured one (a TraceEvent in `out`).
  RemoteUeDiscovery(RemoteUeDiscoveryConfig cfg, std::optional<DiscoveryAuthorisation> pf, DiscoveryActions& out);

  DiscoveryModel model() const { return cfg_.model; }
  // The discovery keys (the agent installs the PSDKs from the PKMF); nullptr when unprotected.
  ProtectedDiscovery* protection() { return pd_ ? &*pd_ : nullptr; }
  const ProtectedDiscovery* protection() const { return pd_ ? &*pd_ : nullptr; }

  // Discovery starts at `now`: the first solicitation (Model B) is due at once.
  void start(link::TimePoint now);
  // When the UE gives up (start + kTimeout).
  link::TimePoint give_up_at() const { return give_up_at_; }
  // The next solicitation (Model B); nullopt under Model A.
  std::optional<link::TimePoint> next_deadline() const;
  // The solicitation, when one is due at `now`; `unix_s` gives a protected one its counter.
  DiscoveryActions on_time(link::TimePoint now, std::int64_t unix_s);
  // A PC5 frame from `src` to `dst` at `unix_s` (the counter window of a protected PDU).
  DiscoveryReceipt on_frame(std::int64_t unix_s, std::uint32_t src, std::uint32_t dst, ByteView pdu);

  // Protected PDUs ignored so far.
  std::uint64_t ignored() const { return ignored_.count(); }

 private:
  void solicit(DiscoveryActions& out, std::int64_t unix_s);
  std::variant<FrameIgnored, RelayFound> on_plain(std::uint32_t src, ByteView pdu) const;
  std::variant<FrameIgnored, RelayFound> on_protected(DiscoveryActions& out, std::int64_t unix_s, std::uint32_t src,
                                                      ByteView pdu);

  RemoteUeDiscoveryConfig cfg_;
  std::optional<ProtectedDiscovery> pd_;
  link::TimePoint next_solicit_{}, give_up_at_{};
  std::optional<std::uint32_t> last_counter_;  // a protected solicitation at most once per counter value
  IgnoredLog ignored_;
};

}  // namespace prose::service

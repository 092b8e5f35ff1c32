// The relay's discovery without I/O (docs/architecture.md "Service layer"): when the next Model A announcement is
// due and what it is, and the Model B response to a solicitation for the relay's Relay Service Code. With a ProSe
// Function discovery is protected only (protected_discovery.h: MIC, counter window, replay) and follows the models
// and announcement interval it allows; without one the emulation's unprotected messages (prose/discovery/plain.h)
// are used, both models always on. The agent feeds it the discovery frames (addressed to the broadcast layer-2 ID)
// and the time, sends what it returns and fetches the discovery keys (PC8) into protection(). Nothing in here reads
// a clock or opens a socket.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "prose/discovery/messages.h"
#include "prose/link/timers.h"
#include "prose/service/discovery_actions.h"
#include "prose/service/protected_discovery.h"
#include "prose/util/bytes.h"

namespace prose::service {

struct RelayDiscoveryConfig {
  std::string name = "relay";
  std::uint32_t l2_id = 0;
  std::uint32_t relay_service_code = 0;
  std::uint32_t announce_ms = 500;  // as configured; the ProSe Function's interval wins when it gives one
};

class RelayDiscovery {
 public:
  // Unprotected without `pf`; with it protected, with the models and the announcement interval it allows.
  RelayDiscovery(RelayDiscoveryConfig cfg, std::optional<DiscoveryAuthorisation> pf);

  // The discovery keys (the agent installs the PSDKs from the PKMF); nullptr when unprotected.
  ProtectedDiscovery* protection() { return pd_ ? &*pd_ : nullptr; }
  const ProtectedDiscovery* protection() const { return pd_ ? &*pd_ : nullptr; }
  std::uint32_t announce_ms() const { return cfg_.announce_ms; }

  // The frames discovery takes: those to the broadcast layer-2 ID (the others are the links').
  static bool takes(std::uint32_t dst);

  // Discovery starts at `now`: the first announcement is due at once.
  void start(link::TimePoint now) { next_announce_ = now; }
  // The next announcement.
  link::TimePoint next_deadline() const { return next_announce_; }
  // The announcement when it is due at `now` (the next one announce_ms later; a protected one at most once per
  // UTC-based counter value, at the counter of `unix_s`, and only when the ProSe Function allows Model A).
  DiscoveryActions on_time(link::TimePoint now, std::int64_t unix_s);
  // A discovery frame from `src` (takes(dst)) at `unix_s`: a solicitation for this RSC gets a response to `src`.
  DiscoveryActions on_frame(std::int64_t unix_s, std::uint32_t src, ByteView pdu);

  // Protected PDUs ignored so far.
  std::uint64_t ignored() const { return ignored_.count(); }

 private:
  void announce(DiscoveryActions& out, std::int64_t unix_s);
  discovery::DiscoveryMessage relay_message(discovery::MessageType type) const;
  void on_protected(DiscoveryActions& out, std::int64_t unix_s, std::uint32_t src, ByteView pdu);

  RelayDiscoveryConfig cfg_;
  std::optional<ProtectedDiscovery> pd_;
  bool model_a_ = true, model_b_ = true;  // discovery models the ProSe Function allows
  link::TimePoint next_announce_{};
  bool first_announce_ = true;
  bool announce_error_logged_ = false;
  std::optional<std::uint32_t> last_announce_counter_;
  IgnoredLog ignored_;
};

}  // namespace prose::service

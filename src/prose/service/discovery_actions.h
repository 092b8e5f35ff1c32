// What the discovery services (remote_ue_discovery.h, relay_discovery.h) share: the actions they return (discovery
// PDUs to send and trace entries, in the order they are to be carried out), the discovery models, what the ProSe
// Function allows, and the one rule for logging the protected discovery PDUs they ignore.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "prose/service/protected_discovery.h"
#include "prose/service/relay_service.h"
#include "prose/service/trace.h"
#include "prose/util/result.h"

namespace prose::service {

// Transmit: a discovery PDU to `dst` (the broadcast layer-2 ID, or the soliciting UE for a Model B response), type 0.
using DiscoveryAction = std::variant<Transmit, TraceMessage, TraceEvent>;
using DiscoveryActions = std::vector<DiscoveryAction>;

// The discovery model a Remote UE uses: Model A listens for announcements, Model B solicits and takes responses.
enum class DiscoveryModel { kA, kB };
inline const char* model_name(DiscoveryModel m) { return m == DiscoveryModel::kA ? "A" : "B"; }

// What the ProSe Function said about discovery for the Relay Service Code (PC3): the models it allows, the discovery
// security settings, and (for a relay) the announcement interval. With it discovery is protected.
struct DiscoveryAuthorisation {
  bool model_a = true, model_b = true;
  DiscoverySecuritySettings security;
  std::uint32_t announce_ms = 0;  // relay: 0 keeps the configured interval
};

// Ignored protected discovery PDUs (forged, replayed, undecodable, out of the window): one debug event each, at most
// kMaxLogged of them, then only counted.
class IgnoredLog {
 public:
  static constexpr std::uint64_t kMaxLogged = 200;
  void note(DiscoveryActions& out, std::uint32_t src, const Error& e) {
    ++count_;
    if (count_ <= kMaxLogged)
      out.push_back(TraceEvent{"debug", "discovery PDU from L2 " + hex24(src) + " ignored: " + e.to_string()});
    if (count_ == kMaxLogged) out.push_back(TraceEvent{"debug", "further ignored discovery PDUs are only counted"});
  }
  std::uint64_t count() const { return count_; }

 private:
  std::uint64_t count_ = 0;
};

}  // namespace prose::service

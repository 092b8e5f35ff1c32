// Protected relay discovery for one Relay Service Code as the agents use it (docs/agents.md): the PSDK from the
// PKMF (Discovery Key Response), DUIK/DUSK/DUCK derived from it (prose/discovery, A.8), the discovery security
// configuration from the ProSe Function (which of DUSK/DUCK are used, the counter window), when to ask the PKMF
// again, and the send/accept of protected PDUs. Sans-I/O: times are Unix seconds passed in.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>

#include "prose/discovery/messages.h"
#include "prose/discovery/protection.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::agents {

// A PSDK whose expiry is nearer than this is "about to expire" (default of `[discovery] psdk_refresh_before_s`).
inline constexpr std::int64_t kDefaultPsdkRefreshBeforeS = 300;
// After a failed Discovery Key Request, or when the PKMF handed out a PSDK that is already about to expire, the
// agent asks again at most this often (local choice).
inline constexpr std::int64_t kPsdkRetryIntervalS = 10;

struct DiscoverySecuritySettings {
  bool use_dusk = true;  // scrambling (ProSe Function: discovery security configuration)
  bool use_duck = true;  // message-specific confidentiality
  std::uint32_t max_offset = discovery::constants::kDefaultMaxOffset;  // accepted clock difference, s (<= 127)
  std::int64_t refresh_before_s = kDefaultPsdkRefreshBeforeS;
};

class ProtectedDiscovery {
 public:
  ProtectedDiscovery(std::uint32_t relay_service_code, DiscoverySecuritySettings s);

  // Installs a PSDK from the PKMF: derives the keys, keeps the previous key set for receiving until its PSDK expires
  // (peers may still use it), schedules the next Discovery Key Request. kInvalidArgument for an empty PSDK.
  Status install(ByteView psdk, std::optional<std::uint32_t> psdk_id, std::int64_t expiry_unix, std::int64_t now);
  // A Discovery Key Request failed: try again in kPsdkRetryIntervalS.
  void defer(std::int64_t now);

  // The keys must be fetched (again) before they are used: none yet, expired, or about to expire (at most every
  // kPsdkRetryIntervalS while the PKMF keeps handing out a PSDK that is about to expire, or a request failed).
  bool refresh_due(std::int64_t now) const;
  // Keys present and not expired.
  bool usable(std::int64_t now) const;

  // A protected PDU of `m` (its RSC must be this one's) at the counter of `now`. kState without usable keys.
  Result<Bytes> protect(const discovery::DiscoveryMessage& m, std::int64_t now) const;
  // A received PDU: window, MIC, replay (prose::discovery::Receiver) with the current keys, then the previous
  // ones while they are valid. kState without usable keys; the Receiver's errors otherwise (no state change).
  Result<discovery::DiscoveryMessage> accept(ByteView pdu, std::int64_t now);

  std::uint32_t relay_service_code() const { return rsc_; }
  std::optional<std::uint32_t> psdk_id() const { return psdk_id_; }
  std::int64_t expiry() const { return expiry_; }
  std::int64_t next_refresh() const { return next_refresh_; }

 private:
  std::uint32_t rsc_;
  DiscoverySecuritySettings settings_;
  std::optional<discovery::DiscoveryKeys> keys_;
  std::unique_ptr<discovery::Receiver> rx_, prev_rx_;
  std::optional<std::uint32_t> psdk_id_;
  std::int64_t expiry_ = 0, prev_expiry_ = 0, next_refresh_ = 0;
};

}  // namespace prose::agents

// Discovery keys from the PKMF (TS 33.303 6.6 / relay discovery, digest 3.7): a Remote UE or a relay asks for the
// PSDKs of a list of Relay Service Codes over PC8 (DiscoveryKeyRequest); for each code it is authorised for it
// gets the code's current PSDK (256-bit random, 32-bit PSDK ID, expiry). Every UE and relay authorised for a code
// gets the same PSDK, so PSDKs are kept per code in the store (encrypted at rest) and rotated there: the next one
// is created when the current one is expired or within `psdk_renew_before_s` of its expiry, race-free across PKMF
// processes sharing one database. Transport-free and thread-safe (each call leases its own store connection).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "prose/net/identity.h"
#include "prose/pc8/messages.h"
#include "prose/pkmf/metrics.h"
#include "prose/pkmf/store_pool.h"

namespace prose::pkmf {

// `[discovery]` in the PKMF configuration. Operator choices (provisional defaults), not specification values.
struct DiscoveryConfig {
  std::int64_t psdk_lifetime_s = 86400;     // a new PSDK expires this long after it is created
  std::int64_t psdk_renew_before_s = 3600;  // the next PSDK is created this long before the current one expires
};
inline constexpr std::int64_t kMinPsdkLifetimeS = 60;
inline constexpr std::int64_t kMaxPsdkLifetimeS = 366LL * 24 * 3600;
// Empty when valid, else "<key>: <problem>" (lifetime in [60 s, 366 d]; 0 <= renew_before <= lifetime / 2, so a
// PSDK is current for at least half its lifetime and the previous one stays valid while peers catch up).
std::optional<std::string> validate(const DiscoveryConfig& c);

class DiscoveryKeys {
 public:
  DiscoveryKeys(DiscoveryConfig config, StorePool& stores, Metrics& metrics);

  // One Discovery Key Request from an authenticated peer; `now` in Unix seconds.
  // Whole-request errors: malformed-request (no RSC, too many, duplicates, RSC over 24 bits), ue-not-authorised
  // (a UE, or a peer that is neither UE nor relay, not provisioned), relay-not-authorised (relay not provisioned),
  // temporarily-unavailable (store). Per RSC: discovery-not-authorised, temporarily-unavailable.
  pc8::DiscoveryKeyResponse handle(const net::PeerIdentity& peer, const pc8::DiscoveryKeyRequest& r, std::int64_t now);

  // The PSDK to hand out for `rsc` at `now`: the current one, or the next one (created here or, when another PKMF
  // won the race, the one it created). `actor` goes into the creation's audit entry.
  Result<store::PsdkRecord> current_psdk(store::Store& s, std::uint32_t rsc, const std::string& actor,
                                         std::int64_t now);

 private:
  DiscoveryConfig config_;
  StorePool& stores_;
  Metrics& metrics_;
};

}  // namespace prose::pkmf

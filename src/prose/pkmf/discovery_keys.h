// Discovery keys from the PKMF (TS 33.303 6.6 / relay discovery, TS 24.334 10A): a Remote UE or a relay asks for the
// PSDKs of a list of Relay Service Codes over PC8 (DiscoveryKeyRequest); for each code it is authorised for it
// gets the code's current PSDK (256-bit random, 32-bit PSDK ID, expiry). Every UE and relay authorised for a code
// gets the same PSDK, so PSDKs are kept per code in the store (encrypted at rest) and rotated there: the next one
// is created when the current one is expired or within `psdk_renew_before_s` of its expiry, race-free across PKMF
// processes sharing one database. Transport-free and thread-safe (each call leases its own store connection).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "prose/net/identity.h"
#include "prose/pc8/messages.h"
#include "prose/pkmf/metrics.h"
#include "prose/store/store_pool.h"
#include "prose/util/bytes.h"

namespace prose::pkmf {

// `[discovery]` in the PKMF configuration. Operator choices (provisional defaults), not specification values.
struct DiscoveryConfig {
  std::int64_t psdk_lifetime_s = 86400;     // a new PSDK expires this long after it is created
  std::int64_t psdk_renew_before_s = 3600;  // the next PSDK is created this long before the current one expires
  // Discovery security configuration sent with every PSDK (24.334 10A; the PKMF is authoritative over the ProSe
  // Function's settings): the combination of keys (DUIK always), the Encrypted_bits_mask (empty = not sent; sent
  // only with a DUCK) and the confidentiality algorithms in preference order (EEA 1..3, distinct, at least one).
  pc8::KeyCombination keys{true, true};
  Bytes encrypted_bits_mask;
  std::vector<std::uint8_t> algorithms{2, 1, 3};
};
inline constexpr std::int64_t kMinPsdkLifetimeS = 60;
inline constexpr std::int64_t kMaxPsdkLifetimeS = 366LL * 24 * 3600;
// Empty when valid, else "<key>: <problem>" (lifetime in [60 s, 366 d]; 0 <= renew_before <= lifetime / 2, so a
// PSDK is current for at least half its lifetime and the previous one stays valid while peers catch up; mask at
// most pc8::kMaxEncryptedBitsMaskSize octets; algorithms 1..3, distinct, not empty).
// The confidentiality algorithm for a requester: the first of `c.algorithms` its Public Safety Discovery Security
// Capabilities allow (pc8::capabilities_allow; no bitmap = any); nullopt when there is none.
std::optional<std::uint8_t> choose_discovery_algorithm(const DiscoveryConfig& c, std::optional<std::uint8_t> caps);
std::optional<std::string> validate(const DiscoveryConfig& c);

class DiscoveryKeys {
 public:
  DiscoveryKeys(DiscoveryConfig config, store::StorePool& stores, Metrics& metrics);

  // One Discovery Key Request from an authenticated peer; `now` in Unix seconds.
  // Whole-request errors: malformed-request (no RSC, too many, duplicates, RSC over 24 bits), ue-not-authorised
  // (a UE, or a peer that is neither UE nor relay, not provisioned), relay-not-authorised (relay not provisioned),
  // temporarily-unavailable (store). Per RSC: discovery-not-authorised, no-common-algorithm (the configured keys
  // include the DUCK and none of `[discovery] algorithms` is in the request's security capabilities),
  // temporarily-unavailable. A grant carries the key combination, the mask (with a DUCK, when configured) and the
  // chosen algorithm (with a DUCK).
  pc8::DiscoveryKeyResponse handle(const net::PeerIdentity& peer, const pc8::DiscoveryKeyRequest& r, std::int64_t now);

  // The PSDK to hand out for `rsc` at `now`: the current one, or the next one (created here or, when another PKMF
  // won the race, the one it created). `actor` goes into the creation's audit entry.
  Result<store::PsdkRecord> current_psdk(store::Store& s, std::uint32_t rsc, const std::string& actor,
                                         std::int64_t now);

 private:
  DiscoveryConfig config_;
  store::StorePool& stores_;
  Metrics& metrics_;
};

}  // namespace prose::pkmf

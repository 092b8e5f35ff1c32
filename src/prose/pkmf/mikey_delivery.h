// The MIKEY messages the PKMF sends a Remote UE (requirement step 1c, clause 6.X.3.3.2.3; docs/profile.md
// section 4): a PRUK delivery, or the all-zero PRUK ID "send a Key Request" trigger. Both are keyed with the UE's
// PMK, carry its Key Type ID and go to the address of its latest Key Request. Transport-free: the caller hands the
// job to a MikeySink and keeps the PendingVerification to check the UE's answer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "prose/mikey/delivery.h"
#include "prose/pkmf/policy.h"
#include "prose/pkmf/providers.h"
#include "prose/store/store.h"

namespace prose::pkmf {

struct UeDelivery {
  MikeyJob job;
  std::optional<mikey::PendingVerification> pending;  // set when the policy asks for a verification message
};

// A MIKEY delivery of `key` under PRUK ID `pruk_id` to `ue`. kState when the UE has no address, Key Type ID or PMK
// yet (it never sent a Key Request).
Result<UeDelivery> build_ue_delivery(store::Store& s, const store::UeRecord& ue, std::uint64_t pruk_id,
                                     const SecretBytes& key, const std::string& pkmf_fqdn, const Policy& policy,
                                     std::int64_t now);

// A delivery of the stored PRUK `pruk` resumed after its PKMF stopped (issue 17 defect 7): a fresh message (new CSB
// ID, T and RAND, so the UE's clock window and replay cache accept it) to the UE's current address, under its current
// PMK, with the key validity of the original (it ends `policy.key_lifetime_s` after the PRUK was issued). kState when
// the UE stopped PRUK delivery (its last address may no longer be its own), has no address, Key Type ID or PMK, or
// the key's lifetime is over.
Result<UeDelivery> build_resumed_delivery(store::Store& s, const store::UeRecord& ue, const store::PrukRecord& pruk,
                                          const std::string& pkmf_fqdn, const Policy& policy, std::int64_t now);

// The all-zero PRUK ID trigger: the TGK carries random octets (the UE verifies the MAC, discards the key and sends a
// Key Request). It always asks for a verification message, so the sender retransmits it until the UE answered.
// kNotFound for an unknown UE; kState when the UE never sent a Key Request or has stopped PRUK delivery (its
// address may no longer be its own, clause 6.X.3.3.2.2).
Result<UeDelivery> build_key_request_trigger(store::Store& s, const std::string& imsi, const std::string& pkmf_fqdn,
                                             const Policy& policy, std::int64_t now);

}  // namespace prose::pkmf

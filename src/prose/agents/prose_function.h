// The ProSe Function (PC3 service authorisation) and the discovery keys from the PKMF (PC8 Discovery Key Request),
// as both agents use them before and during discovery (docs/agents.md "ProSe Function").
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "prose/agents/agents.h"
#include "prose/agents/gba_ue.h"
#include "prose/net/client.h"
#include "prose/pc3/messages.h"
#include "prose/prosefn/client.h"
#include "prose/service/discovery_actions.h"
#include "prose/service/protected_discovery.h"
#include "prose/util/result.h"

namespace prose::agents {

// `gba` (null: certificate mode): PSK-TLS with Ks_(ext)_NAF of p.naf_fqdn.
Result<std::unique_ptr<net::HttpsClient>> make_pf_client(const ProseFunctionClientConfig& p, GbaUe* gba = nullptr);

// Step 0: the parameters of `role` for `rsc` from the ProSe Function; retried every second while it cannot be
// reached. kDenied (logged as EVT|failed) when it refuses.
Result<pc3::RelayServiceParameters> authorise(const std::string& name, const ProseFunctionClientConfig& pf,
                                              pc3::Role role, std::uint32_t rsc, GbaUe* gba = nullptr);
void use_pf_parameters(const pc3::RelayServiceParameters& p, PkmfClientConfig& pkmf);
// What the parameters say about discovery (models, announcement interval, discovery security settings), for the
// discovery services (prose/service/remote_ue_discovery.h, relay_discovery.h).
service::DiscoveryAuthorisation discovery_authorisation(const pc3::RelayServiceParameters& p,
                                                        const ProseFunctionClientConfig& pf);

// Before using discovery keys: ask the PKMF when they are missing, expired or about to expire. A refusal by the
// PKMF is returned (kDenied, logged as EVT|failed); other failures are logged and retried later.
Status refresh_discovery_keys(const std::string& name, net::HttpsClient& client, service::ProtectedDiscovery& pd,
                              GbaUe* gba = nullptr);

}  // namespace prose::agents

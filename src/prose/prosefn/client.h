// Client side of PC3 service authorisation, for the Remote UE and relay agents: asks the ProSe Function (over an
// HttpsClient with the UE's client certificate) for the parameters of a role for some Relay Service Codes.
#pragma once

#include <cstdint>
#include <vector>

#include "prose/net/client.h"
#include "prose/pc3/messages.h"
#include "prose/util/result.h"

namespace prose::prosefn {

// POSTs a SERVICE_AUTHORISATION_REQUEST for (role, rsc) for every rsc (1..32, distinct, 24 bit) to kHttpPath and
// returns the parameters in the order of `rscs`. Errors: kInvalidArgument (bad rscs), the transport's errors
// (kIo, kTimeout), kMalformed (not a 200 with a valid response echoing the transaction ID and the entries asked
// for), kDenied when the ProSe Function refused the request or any entry; the message names the PF's cause,
// e.g. "prose function refused relay service code 00abcd as relay: relay-service-code-not-authorised".
Result<std::vector<pc3::RelayServiceParameters>> fetch_service_parameters(net::HttpsClient& client, pc3::Role role,
                                                                          const std::vector<std::uint32_t>& rscs);

}  // namespace prose::prosefn

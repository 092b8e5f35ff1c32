// The ProSe Function's PC3 service authorisation, transport-free: authorises the peer bound to the TLS keys for
// the Remote UE or relay role per Relay Service Code and answers with the parameters of each entry.
//   imsi-<IMSI>  a provisioned Remote UE: remote-ue for the RSCs of its ues row; relay role -> role-not-authorised
//   relay-<id>   a provisioned relay: relay for the RSCs of its relays row; remote-ue role -> role-not-authorised
//   an RSC not in the row -> relay-service-code-not-authorised (that entry); anything else -> unknown-identity
// Never an identity from the XML body. Thread-safe (the Directory is).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "prose/net/http.h"
#include "prose/net/identity.h"
#include "prose/pc3/messages.h"
#include "prose/prosefn/directory.h"

namespace prose::prosefn {

// Discovery settings of one Relay Service Code that differ from the defaults (unset: the default applies).
struct RscOverride {
  std::optional<bool> model_a, model_b;
  std::optional<bool> use_duik, use_dusk, use_duck;
  std::optional<std::uint32_t> max_offset;
  std::optional<std::uint32_t> announce_ms;
};

// What every authorised entry carries (from the configuration).
struct ParameterDefaults {
  pc3::PkmfAddress pkmf;
  bool model_a = true, model_b = true;
  bool use_duik = true, use_dusk = true, use_duck = true;
  std::uint32_t max_offset = 2;                  // seconds
  std::uint32_t announce_ms = 500;               // relays
  std::map<std::uint32_t, RscOverride> per_rsc;  // by Relay Service Code

  // The parameters of an authorised (role, RSC): the defaults with that RSC's override applied.
  pc3::RelayServiceParameters for_entry(pc3::Role role, std::uint32_t rsc) const;
};
// kInvalidArgument naming the field (PKMF host/name syntax, port, no discovery model, ranges), for the defaults
// and for every RSC with its override applied.
Status validate(const ParameterDefaults& d);

class ProseFunctionService {
 public:
  ProseFunctionService(ParameterDefaults defaults, Directory& directory);

  // The decision for a decoded request.
  pc3::ServiceAuthorisationResponse authorise(const net::PeerIdentity& peer,
                                              const pc3::ServiceAuthorisationRequest& request);

  // One PC3 request body -> response. 200 with a SERVICE_AUTHORISATION_RESPONSE (also for refusals: a cause for
  // the whole request or per entry); 400 with a response carrying transaction-ID 0 and malformed-request when the
  // body does not decode (413 above kMaxBodySize). `now` (Unix seconds) is only logged.
  struct Reply {
    int status = 200;
    std::string body;     // XML, Content-Type kContentType
    std::string outcome;  // for the log line: "granted 2/3", a cause name, or the decode error
    // For the metrics: the cause for the whole request (none: answered entry by entry), the entries granted and
    // the causes of those refused.
    std::optional<pc3::Cause> request_cause;
    std::size_t granted = 0;
    std::vector<pc3::Cause> refused;
  };
  Reply handle(const net::PeerIdentity& peer, std::string_view body, std::int64_t now);

 private:
  ParameterDefaults defaults_;
  Directory& directory_;
};

// The HTTP binding: POST kHttpPath with Content-Type kContentType; 404 for other paths, 405 for another method,
// 415 for another content type. The PKMF calls it for kHttpPath when it hosts the ProSe Function. With `metrics`,
// every request is counted there (prose/prosefn/metrics.h).
class Metrics;
net::HttpResponse handle_http(ProseFunctionService& service, const net::PeerIdentity& peer, const net::HttpRequest& req,
                              std::int64_t now, Metrics* metrics = nullptr);

}  // namespace prose::prosefn

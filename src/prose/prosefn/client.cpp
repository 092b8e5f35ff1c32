#include "prose/prosefn/client.h"

#include <cstdio>
#include <set>
#include <utility>

#include "prose/pc3/codec.h"
#include "prose/pc3/constants.h"
#include "prose/util/random.h"

namespace prose::prosefn {

namespace {

std::string rsc_text(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "%06x", v);
  return b;
}

}  // namespace

Result<std::vector<pc3::RelayServiceParameters>> fetch_service_parameters(net::HttpsClient& client, pc3::Role role,
                                                                          const std::vector<std::uint32_t>& rscs) {
  pc3::ServiceAuthorisationRequest req;
  req.transaction_id = random_u32();
  for (auto r : rscs) req.services.push_back({role, r});
  auto body = pc3::Codec::encode(req);
  if (!body.ok()) return fail(Errc::kInvalidArgument, "service authorisation request: " + body.error().message);
  PROSE_TRY(net::HttpResponse resp, client.post(pc3::kHttpPath, pc3::kContentType, *body));
  auto decoded = pc3::Codec::decode_response(resp.body);
  if (resp.status != 200) {
    std::string why = "HTTP " + std::to_string(resp.status);
    if (decoded.ok()) {
      if (const auto* c = std::get_if<pc3::Cause>(&decoded->outcome)) {
        return fail(Errc::kDenied,
                    "prose function refused the request: " + std::string(pc3::cause_name(*c)) + " (" + why + ")");
      }
    }
    return fail(Errc::kMalformed, "prose function answered " + why + ": " + resp.body.substr(0, 200));
  }
  if (!decoded.ok()) return fail(Errc::kMalformed, "prose function response: " + decoded.error().to_string());
  if (decoded->transaction_id != req.transaction_id) {
    return fail(Errc::kMalformed, "prose function response: transaction-ID " + std::to_string(decoded->transaction_id) +
                                      " instead of " + std::to_string(req.transaction_id));
  }
  if (const auto* c = std::get_if<pc3::Cause>(&decoded->outcome)) {
    return fail(Errc::kDenied, "prose function refused the request: " + std::string(pc3::cause_name(*c)));
  }
  auto& entries = std::get<std::vector<pc3::RelayServiceAuthorisation>>(decoded->outcome);
  std::vector<pc3::RelayServiceParameters> out;
  for (auto r : rscs) {
    const pc3::RelayServiceAuthorisation* found = nullptr;
    for (const auto& e : entries) {
      if (e.role == role && e.relay_service_code == r) found = &e;
    }
    if (found == nullptr) {
      return fail(Errc::kMalformed, "prose function response lacks relay service code " + rsc_text(r) + " as " +
                                        std::string(pc3::role_name(role)));
    }
    if (const auto* c = std::get_if<pc3::Cause>(&found->outcome)) {
      return fail(Errc::kDenied, "prose function refused relay service code " + rsc_text(r) + " as " +
                                     std::string(pc3::role_name(role)) + ": " + std::string(pc3::cause_name(*c)));
    }
    out.push_back(std::get<pc3::RelayServiceParameters>(found->outcome));
  }
  if (entries.size() != rscs.size()) {
    return fail(Errc::kMalformed, "prose function response has entries that were not asked for");
  }
  return out;
}

}  // namespace prose::prosefn

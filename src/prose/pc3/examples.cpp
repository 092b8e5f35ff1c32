#include "prose/pc3/examples.h"

#include <array>
#include <string>

namespace prose::pc3 {
namespace {

constexpr std::array<ExampleInfo, 4> kExamples{{
    {"request", "a UE asks for the Remote UE role for two Relay Service Codes and the relay role for one"},
    {"response", "per entry: parameters for a Remote UE, a cause for a role the identity may not take"},
    {"relay-response", "parameters for a relay (with its announce period), PKMF reached by an IPv6 address"},
    {"response-reject", "one cause for the whole request (unknown-identity)"},
}};

RelayServiceAuthorisation entry(Role role, std::uint32_t rsc, std::variant<RelayServiceParameters, Cause> o) {
  RelayServiceAuthorisation e;
  e.role = role;
  e.relay_service_code = rsc;
  e.outcome = std::move(o);
  return e;
}

RelayServiceParameters params(Role role, std::uint32_t rsc) {
  RelayServiceParameters p;
  p.role = role;
  p.relay_service_code = rsc;
  p.pkmf = {"127.0.0.1", 8443, "pkmf.prose.test", "pkmf.prose.test"};
  p.max_offset = 2;
  p.announce_ms = role == Role::kRelay ? 500 : 0;
  return p;
}

}  // namespace

std::span<const ExampleInfo> example_list() { return kExamples; }

Result<Message> example(std::string_view kind) {
  if (kind == "request") {
    ServiceAuthorisationRequest r;
    r.transaction_id = 1;
    r.services = {{Role::kRemoteUe, 0x00abcd}, {Role::kRemoteUe, 0x00abce}, {Role::kRelay, 0x00abcd}};
    return Message{r};
  }
  if (kind == "response") {
    ServiceAuthorisationResponse r;
    r.transaction_id = 1;
    std::vector<RelayServiceAuthorisation> v;
    v.push_back(entry(Role::kRemoteUe, 0x00abcd, params(Role::kRemoteUe, 0x00abcd)));
    v.push_back(entry(Role::kRemoteUe, 0x00abce, Cause::kRelayServiceCodeNotAuthorised));
    v.push_back(entry(Role::kRelay, 0x00abcd, Cause::kRoleNotAuthorised));
    r.outcome = std::move(v);
    return Message{r};
  }
  if (kind == "relay-response") {
    ServiceAuthorisationResponse r;
    r.transaction_id = 2;
    auto p = params(Role::kRelay, 0x00abcd);
    p.pkmf.host = "2001:db8::8443";
    p.model_b = false;
    p.use_dusk = false;
    std::vector<RelayServiceAuthorisation> v;
    v.push_back(entry(Role::kRelay, 0x00abcd, p));
    r.outcome = std::move(v);
    return Message{r};
  }
  if (kind == "response-reject") {
    ServiceAuthorisationResponse r;
    r.transaction_id = 3;
    r.outcome = Cause::kUnknownIdentity;
    return Message{r};
  }
  std::string names;
  for (const auto& e : kExamples) names += (names.empty() ? "" : ", ") + std::string(e.name);
  return fail(Errc::kInvalidArgument, "unknown example '" + std::string(kind) + "' (one of: " + names + ")");
}

}  // namespace prose::pc3

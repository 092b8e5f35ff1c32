// Shared helpers of the PC3 codec tests (and the ProSe Function service tests): sample messages.
#pragma once

#include "prose/pc3/codec.h"
#include "prose/pc3/constants.h"
#include "prose/pc3/schema.h"

namespace prose::pc3::test {

inline RelayServiceParameters sample_parameters(Role role, std::uint32_t rsc) {
  RelayServiceParameters p;
  p.role = role;
  p.relay_service_code = rsc;
  p.pkmf = {"127.0.0.1", 8443, "pkmf.prose.test", "pkmf.prose.test"};
  p.model_a = true;
  p.model_b = role == Role::kRelay;
  p.use_duik = true;
  p.use_dusk = false;
  p.use_duck = true;
  p.max_offset = 2;
  p.announce_ms = role == Role::kRelay ? 750 : 0;
  return p;
}

template <typename Outcome>
RelayServiceAuthorisation make_entry(Role role, std::uint32_t rsc, Outcome outcome) {
  RelayServiceAuthorisation e;
  e.role = role;
  e.relay_service_code = rsc;
  e.outcome = std::move(outcome);
  return e;
}

inline ServiceAuthorisationRequest sample_request() {
  ServiceAuthorisationRequest r;
  r.transaction_id = 4000000000u;
  r.services = {{Role::kRemoteUe, 0x00abcd}, {Role::kRelay, 0x00abcd}, {Role::kRemoteUe, 0xffffff}};
  return r;
}

inline ServiceAuthorisationResponse sample_response() {
  ServiceAuthorisationResponse r;
  r.transaction_id = 7;
  std::vector<RelayServiceAuthorisation> v;
  v.push_back(make_entry(Role::kRemoteUe, 0x00abcd, sample_parameters(Role::kRemoteUe, 0x00abcd)));
  v.push_back(make_entry(Role::kRelay, 0x00abcd, sample_parameters(Role::kRelay, 0x00abcd)));
  v.push_back(make_entry(Role::kRemoteUe, 0x000001, Cause::kRelayServiceCodeNotAuthorised));
  r.outcome = std::move(v);
  return r;
}

inline std::string encode_ok(const Message& m) {
  auto x = Codec::encode(m);
  if (!x.ok()) return "ENCODE FAILED: " + x.error().to_string();
  return *x;
}

}  // namespace prose::pc3::test

// PC3 service authorisation for UE-to-Network Relay service (TS 33.303 relay CR step 0): the UE asks the ProSe
// Function to act as a Remote UE or as a relay for a list of Relay Service Codes; the ProSe Function answers per
// (role, Relay Service Code) with the parameters (PKMF address, discovery models and discovery security) or a
// PC3 control protocol cause value. Typed models here; the XML codec in codec.h, the schema in schema/pc3.xsd.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "prose/pc3/cause.h"
#include "prose/util/result.h"

namespace prose::pc3 {

// The role a UE asks to be authorised for.
enum class Role : std::uint8_t { kRemoteUe = 1, kRelay = 2 };
std::string_view role_name(Role r);  // "remote-ue" / "relay" (the XML values)
std::optional<Role> role_from_name(std::string_view s);

// Where and how to reach the PKMF (TS 33.303 relay CR 6.X.3.3.2.2: "the FQDN of the PKMF ... provided by the
// ProSe Function in the HPLMN of the UE").
struct PkmfAddress {
  std::string host;         // DNS name or IP address to connect to (https)
  std::uint16_t port = 0;   // 1..65535
  std::string server_name;  // the name the PKMF's TLS certificate must match
  std::string fqdn;         // the PKMF FQDN (NAF FQDN in NAF_Id, MIKEY IDi)
  friend bool operator==(const PkmfAddress&, const PkmfAddress&) = default;
};

// What a UE needs for one (role, Relay Service Code): the answer of the ProSe Function.
struct RelayServiceParameters {
  std::uint32_t relay_service_code = 0;  // 24 bit
  Role role = Role::kRemoteUe;
  PkmfAddress pkmf;
  bool model_a = true, model_b = true;  // discovery models allowed (at least one)
  // Discovery security configuration (which keys derived from the PSDK protect relay discovery messages).
  bool use_duik = true, use_dusk = true, use_duck = true;
  std::uint32_t max_offset = 0;   // largest accepted difference of a received UTC-based counter, seconds
  std::uint32_t announce_ms = 0;  // relay only: Model A announcement period in ms (0 for a Remote UE)
  friend bool operator==(const RelayServiceParameters&, const RelayServiceParameters&) = default;
};

// One requested (role, Relay Service Code).
struct RelayServiceRequest {
  Role role = Role::kRemoteUe;
  std::uint32_t relay_service_code = 0;
  friend bool operator==(const RelayServiceRequest&, const RelayServiceRequest&) = default;
};

struct ServiceAuthorisationRequest {
  std::uint32_t transaction_id = 0;
  std::vector<RelayServiceRequest> services;  // 1..kMaxServices, no (role, RSC) twice
  friend bool operator==(const ServiceAuthorisationRequest&, const ServiceAuthorisationRequest&) = default;
};

// The answer for one requested (role, RSC): parameters (role and RSC equal to the entry's) or a cause.
struct RelayServiceAuthorisation {
  Role role = Role::kRemoteUe;
  std::uint32_t relay_service_code = 0;
  std::variant<RelayServiceParameters, Cause> outcome;
  friend bool operator==(const RelayServiceAuthorisation&, const RelayServiceAuthorisation&) = default;
};

struct ServiceAuthorisationResponse {
  std::uint32_t transaction_id = 0;
  // Per requested entry, or one cause for the whole request.
  std::variant<std::vector<RelayServiceAuthorisation>, Cause> outcome;
  friend bool operator==(const ServiceAuthorisationResponse&, const ServiceAuthorisationResponse&) = default;
};

using Message = std::variant<ServiceAuthorisationRequest, ServiceAuthorisationResponse>;

// Every rule of the schema on a model (sizes, counts, ranges, host and name syntax, no duplicates, role/RSC of a
// grant equal to its entry's, announce period only for relays). The encoder runs it first.
Status validate(const ServiceAuthorisationRequest& m);
Status validate(const ServiceAuthorisationResponse& m);
Status validate(const Message& m);

}  // namespace prose::pc3

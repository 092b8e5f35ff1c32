#include "prose/pc8/error_codes.h"

#include <array>

namespace prose::pc8 {
namespace {

constexpr std::array<ErrorCodeInfo, 16> kTable{{
    {ErrorCode::kUnspecified, "unspecified", "the request failed for a reason not listed here", "any"},
    {ErrorCode::kMalformedRequest, "malformed-request",
     "the request decoded as XML but broke a rule of the PC8 schema or codec", "any"},
    {ErrorCode::kUnsupportedRequest, "unsupported-request", "this PKMF does not serve this kind of request", "any"},
    {ErrorCode::kUeNotAuthorised, "ue-not-authorised",
     "the UE bound to the TLS keys is not authorised for relay service (no PRUKs will be supplied)", "PRUK, PGK"},
    {ErrorCode::kRelayNotAuthorised, "relay-not-authorised",
     "the relay bound to the TLS keys is not authorised for this Relay Service Code", "KD"},
    {ErrorCode::kRelayNotAuthorisedForUe, "relay-not-authorised-for-ue",
     "the relay is not authorised to serve the identified Remote UE", "KD"},
    {ErrorCode::kUnknownPrukId, "unknown-pruk-id",
     "no PRUK with this PRUK ID: the Remote UE should retry with its IMSI", "KD"},
    {ErrorCode::kUnknownImsi, "unknown-imsi", "the Remote UE cannot be identified by this IMSI", "KD"},
    {ErrorCode::kUnknownRelayServiceCode, "unknown-relay-service-code", "the Relay Service Code is not known",
     "KD, discovery"},
    {ErrorCode::kGroupNotAuthorised, "group-not-authorised", "the UE may not receive keys for this group", "PGK"},
    {ErrorCode::kNoCommonAlgorithm, "no-common-algorithm",
     "none of the UE's supported algorithms is allowed for this group, or (discovery keys with a DUCK) none of the "
     "PKMF's discovery confidentiality algorithms is in the UE's security capabilities",
     "PGK, discovery"},
    {ErrorCode::kDiscoveryNotAuthorised, "discovery-not-authorised",
     "the UE may not receive discovery keys for this Relay Service Code", "discovery"},
    {ErrorCode::kGbaPushFailed, "gba-push-failed",
     "a fresh PRUK was needed but no GBA Push Info could be obtained from the BSF or HSS", "KD"},
    {ErrorCode::kResynchronisationFailed, "resynchronisation-failed",
     "the HSS could not resynchronise with the given RAND and AUTS", "KD"},
    {ErrorCode::kTemporarilyUnavailable, "temporarily-unavailable",
     "the PKMF or a server behind it is temporarily unavailable: retry later", "any"},
    {ErrorCode::kInternalError, "internal-error", "the PKMF failed internally", "any"},
}};

}  // namespace

std::span<const ErrorCodeInfo> error_code_table() { return kTable; }

const ErrorCodeInfo* error_code_info(ErrorCode c) {
  for (const auto& e : kTable) {
    if (e.code == c) return &e;
  }
  return nullptr;
}

std::optional<ErrorCode> error_code_from_value(std::uint32_t v) {
  for (const auto& e : kTable) {
    if (static_cast<std::uint32_t>(e.code) == v) return e.code;
  }
  return std::nullopt;
}

std::string_view error_code_name(ErrorCode c) {
  const auto* i = error_code_info(c);
  return i ? i->name : std::string_view("invalid");
}

}  // namespace prose::pc8

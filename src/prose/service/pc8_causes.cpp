#include "prose/service/pc8_causes.h"

#include <array>

namespace prose::service {
namespace {

using C = pc5::Cause;
using E = pc8::ErrorCode;

constexpr std::array<Pc8ErrorCause, 16> kTable{{
    {E::kUnspecified, C::kLinkSetupFailureOtherErrors},
    {E::kMalformedRequest, C::kLinkSetupFailureOtherErrors},
    {E::kUnsupportedRequest, C::kLinkSetupFailureOtherErrors},
    {E::kUeNotAuthorised, C::kDirectCommunicationNotAllowed},
    {E::kRelayNotAuthorised, C::kDirectCommunicationNotAllowed},
    {E::kRelayNotAuthorisedForUe, C::kDirectCommunicationNotAllowed},
    {E::kUnknownPrukId, C::kAuthenticationFailure},
    {E::kUnknownImsi, C::kAuthenticationFailure},
    {E::kUnknownRelayServiceCode, C::kDirectCommunicationNotAllowed},
    {E::kGroupNotAuthorised, C::kLinkSetupFailureOtherErrors},
    {E::kNoCommonAlgorithm, C::kLinkSetupFailureOtherErrors},
    {E::kDiscoveryNotAuthorised, C::kLinkSetupFailureOtherErrors},
    {E::kGbaPushFailed, C::kLinkSetupFailureOtherErrors},
    {E::kResynchronisationFailed, C::kLinkSetupFailureOtherErrors},
    {E::kTemporarilyUnavailable, C::kLinkSetupFailureOtherErrors},
    {E::kInternalError, C::kLinkSetupFailureOtherErrors},
}};

}  // namespace

std::span<const Pc8ErrorCause> pc8_error_cause_table() { return kTable; }

pc5::Cause pc5_cause_for(pc8::ErrorCode code) {
  for (const auto& row : kTable)
    if (row.code == code) return row.cause;
  return kCauseWhenPkmfFailed;  // a code outside the table (cannot be decoded from PC8)
}

}  // namespace prose::service

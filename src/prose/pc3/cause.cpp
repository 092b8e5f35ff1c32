#include "prose/pc3/cause.h"

#include <array>

namespace prose::pc3 {
namespace {

constexpr std::array<CauseInfo, 6> kTable{{
    {Cause::kMalformedRequest, "malformed-request",
     "the request decoded as XML but broke a rule of the PC3 schema or codec", "request"},
    {Cause::kUnknownIdentity, "unknown-identity",
     "the identity bound to the TLS keys is not a provisioned Remote UE or relay", "request"},
    {Cause::kRoleNotAuthorised, "role-not-authorised", "this identity may not take the requested role", "entry"},
    {Cause::kRelayServiceCodeNotAuthorised, "relay-service-code-not-authorised",
     "the identity is not authorised for this Relay Service Code in this role", "entry"},
    {Cause::kTemporarilyUnavailable, "temporarily-unavailable",
     "the ProSe Function or its database is temporarily unavailable: retry later", "request"},
    {Cause::kInternalError, "internal-error", "the ProSe Function failed internally", "request"},
}};

}  // namespace

std::span<const CauseInfo> cause_table() { return kTable; }

const CauseInfo* cause_info(Cause c) {
  for (const auto& e : kTable) {
    if (e.cause == c) return &e;
  }
  return nullptr;
}

std::optional<Cause> cause_from_value(std::uint32_t v) {
  for (const auto& e : kTable) {
    if (static_cast<std::uint32_t>(e.cause) == v) return e.cause;
  }
  return std::nullopt;
}

std::string_view cause_name(Cause c) {
  const auto* i = cause_info(c);
  return i ? i->name : std::string_view("invalid");
}

}  // namespace prose::pc3

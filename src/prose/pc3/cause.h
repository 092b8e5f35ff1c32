// PC3 control protocol cause values of the service authorisation exchange: the ONE table of values and
// meanings. TS 24.334 has a "PC3 Control Protocol cause value" IE for its discovery messages; the service
// authorisation exchange is ours, so these values are provisional (docs/conformance/prosefn.md). schema/pc3.xsd
// enumerates exactly these values and a unit test checks that the two agree.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace prose::pc3 {

enum class Cause : std::uint16_t {
  kMalformedRequest = 1,               // whole request
  kUnknownIdentity = 2,                // whole request
  kRoleNotAuthorised = 3,              // per entry
  kRelayServiceCodeNotAuthorised = 4,  // per entry
  kTemporarilyUnavailable = 5,         // whole request
  kInternalError = 6,                  // whole request
};

struct CauseInfo {
  Cause cause;
  std::string_view name;     // stable token, e.g. "role-not-authorised"
  std::string_view meaning;  // one line for logs, CLI and docs
  std::string_view scope;    // "request" or "entry"
};

std::span<const CauseInfo> cause_table();  // ascending value order
const CauseInfo* cause_info(Cause c);
std::optional<Cause> cause_from_value(std::uint32_t v);
inline std::uint16_t cause_value(Cause c) { return static_cast<std::uint16_t>(c); }
std::string_view cause_name(Cause c);

}  // namespace prose::pc3

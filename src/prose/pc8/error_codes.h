// PC8 status codes (the Annex E "Error Code" IE): the ONE table of values and meanings. The values are
// provisional (Annex E's table is not available); schema/pc8.xsd enumerates exactly these values and a unit test
// checks that the two agree. docs/pc8.md reproduces the table.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace prose::pc8 {

enum class ErrorCode : std::uint16_t {
  kUnspecified = 1,
  kMalformedRequest = 2,
  kUnsupportedRequest = 3,
  kUeNotAuthorised = 10,
  kRelayNotAuthorised = 11,
  kRelayNotAuthorisedForUe = 12,
  kUnknownPrukId = 13,
  kUnknownImsi = 14,
  kUnknownRelayServiceCode = 15,
  kGroupNotAuthorised = 16,
  kNoCommonAlgorithm = 17,
  kDiscoveryNotAuthorised = 18,
  kGbaPushFailed = 20,
  kResynchronisationFailed = 21,
  kTemporarilyUnavailable = 30,
  kInternalError = 31,
};

struct ErrorCodeInfo {
  ErrorCode code;
  std::string_view name;     // stable token, e.g. "unknown-pruk-id"
  std::string_view meaning;  // one line for logs, CLI and docs
  std::string_view sent_by;  // which exchange uses it
};

// Every code, in ascending value order.
std::span<const ErrorCodeInfo> error_code_table();
const ErrorCodeInfo* error_code_info(ErrorCode c);
// Accepts only values in the table.
std::optional<ErrorCode> error_code_from_value(std::uint32_t v);
inline std::uint16_t error_code_value(ErrorCode c) { return static_cast<std::uint16_t>(c); }
std::string_view error_code_name(ErrorCode c);

}  // namespace prose::pc8

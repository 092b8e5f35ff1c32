// PC3 service authorisation constants: the ONE table of names, limits and the HTTP binding. Status of each value:
// docs/conformance/prosefn.md (TS 24.334 verified where cited; the service authorisation messages are ours).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace prose::pc3 {

// Limits (schema/pc3.xsd has the same maxOccurs / maxLength).
inline constexpr std::size_t kMaxServices = 32;                  // (role, RSC) entries in one request or response
inline constexpr std::uint32_t kMaxRelayServiceCode = 0xffffff;  // 24 bit (TS 24.334 Relay Service Code IE)
inline constexpr std::size_t kRelayServiceCodeSize = 3;          // octets, hex on the wire
inline constexpr std::size_t kMaxHostLength = 253;               // RFC 1035 DNS name; IPv6 text is shorter
inline constexpr std::size_t kMaxBodySize = 64 * 1024;           // decoder refuses larger documents
inline constexpr std::uint32_t kMaxAnnouncePeriodMs = 3600000;   // 1 h
inline constexpr std::uint32_t kMaxUtcCounterOffset = 86400;     // 1 day (seconds)

// XML binding. Root names in the style of TS 24.334 11.2 (message names in capitals); namespace ours.
inline constexpr std::string_view kNamespace = "urn:prose-relay-security:ns:pc3:1";
inline constexpr std::string_view kRootRequest = "SERVICE_AUTHORISATION_REQUEST";
inline constexpr std::string_view kRootResponse = "SERVICE_AUTHORISATION_RESPONSE";

// HTTP binding: HTTP/1.1 POST (TS 24.334 6.1.1, verified); path and content type ours.
inline constexpr std::string_view kHttpMethod = "POST";
inline constexpr std::string_view kHttpPath = "/prose/pc3";
inline constexpr std::string_view kContentType = "application/vnd.3gpp.prose-pc3+xml";

// Element names (one place; schema/pc3.xsd uses the same strings).
namespace el {
inline constexpr std::string_view kTransactionId = "transaction-ID";
inline constexpr std::string_view kRelayService = "relay-service";
inline constexpr std::string_view kRole = "role";
inline constexpr std::string_view kRelayServiceCode = "relay-service-code";
inline constexpr std::string_view kAuthorisation = "relay-service-authorisation";
inline constexpr std::string_view kResponseAccept = "response-accept";
inline constexpr std::string_view kResponseReject = "response-reject";
inline constexpr std::string_view kCause = "PC3-control-protocol-cause-value";
inline constexpr std::string_view kPkmfAddress = "PKMF-address";
inline constexpr std::string_view kHost = "host";
inline constexpr std::string_view kPort = "port";
inline constexpr std::string_view kTlsServerName = "TLS-server-name";
inline constexpr std::string_view kPkmfFqdn = "PKMF-FQDN";
inline constexpr std::string_view kDiscoveryModel = "discovery-model";
inline constexpr std::string_view kDiscoverySecurity = "discovery-security";
inline constexpr std::string_view kUseDuik = "use-DUIK";
inline constexpr std::string_view kUseDusk = "use-DUSK";
inline constexpr std::string_view kUseDuck = "use-DUCK";
inline constexpr std::string_view kMaxOffset = "max-UTC-counter-offset";
inline constexpr std::string_view kAnnouncePeriod = "announce-period";
}  // namespace el

}  // namespace prose::pc3

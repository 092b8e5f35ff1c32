// PC8 constants: the ONE table of field sizes, limits, names and the HTTP binding for the Key Request /
// Key Response messages. Status: see docs/conformance/pc8.md (most values are provisional: TS 33.303 Annex E
// text is not available; the Annex E IE list is verified, the XML names and namespace are ours).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace prose::pc8 {

// Field sizes in octets (hex on the wire: twice as many digits).
inline constexpr std::size_t kPrukIdSize = 8;            // 64 bit: seed CR 6.X.3.1 (verified)
inline constexpr std::size_t kPrukSize = 32;             // 256 bit: profile.md section 2
inline constexpr std::size_t kPmkIdSize = 8;             // 64 bit: profile.md section 2
inline constexpr std::size_t kPmkSize = 32;              // 256 bit: profile.md section 2
inline constexpr std::size_t kKeyTypeIdSize = 4;         // 32 bit: profile.md section 2
inline constexpr std::size_t kGroupIdSize = 3;           // 24 bit layer-2 group ID (A.3 P2 = 3 octets)
inline constexpr std::size_t kGroupMemberIdSize = 3;     // 24 bit (A.3 P0 = 3 octets)
inline constexpr std::size_t kPgkIdSize = 8;             // provisional: takes the PRUK ID's place in MIKEY IDi
inline constexpr std::size_t kRelayServiceCodeSize = 3;  // 24 bit: profile.md section 3
inline constexpr std::size_t kNonce1Size = 16;           // 128 bit
inline constexpr std::size_t kRandSize = 16;             // 128 bit (TS 33.102)
inline constexpr std::size_t kAutsSize = 14;             // 112 bit (TS 33.102)
inline constexpr std::size_t kKdSize = 32;               // 256 bit
inline constexpr std::size_t kKdFreshnessSize = 16;      // 128 bit
inline constexpr std::size_t kPsdkSize = 32;             // provisional
inline constexpr std::size_t kPsdkIdSize = 4;            // provisional
inline constexpr std::size_t kMaxGpiSize = 4096;         // octets; a GPI is variable length (TS 33.223)

// Count and length limits (the schema has the same maxOccurs / maxLength).
inline constexpr std::size_t kMaxHeldIds = 16;            // PRUK IDs / PGK IDs listed in one request
inline constexpr std::size_t kMaxGroups = 32;             // groups in one request or response
inline constexpr std::size_t kMaxAlgorithms = 16;         // supported algorithms per group
inline constexpr std::size_t kMaxRelayServiceCodes = 32;  // RSCs in one discovery key request
inline constexpr std::size_t kMaxOtherIdentityLength = 255;
inline constexpr std::size_t kMaxIpAddressLength = 45;  // INET6_ADDRSTRLEN - 1
inline constexpr std::uint8_t kMaxAlgorithmId = 15;     // 4-bit algorithm identity
inline constexpr std::size_t kMaxBodySize = 64 * 1024;  // decoder refuses larger documents

// Discovery key configuration in a Discovery Key Response (24.334 10A: with the PSDK the PKMF provides the
// combination of keys to use and optionally the Encrypted_bits_mask). Provisional codings (ours).
// Encrypted_bits_mask: 1..23 octets = the confidential part of a discovery message (prose::discovery
// constants::kConfidentialSize; the agents static_assert the two agree).
inline constexpr std::size_t kMaxEncryptedBitsMaskSize = 23;
// Confidentiality algorithm (EEA identity) for message-specific confidentiality: 128-EEA1..3 (EEA0 is no DUCK).
inline constexpr std::uint8_t kMinDiscoveryEea = 1;
inline constexpr std::uint8_t kMaxDiscoveryEea = 3;

// Public Safety Discovery Security Capabilities bitmap (one octet in a Discovery Key Request): which confidentiality
// algorithms the UE supports. PROVISIONAL: the 24.334 coding was not available; bit0 = 128-EEA1, bit1 = 128-EEA2,
// bit2 = 128-EEA3, other bits reserved (ignored). No bitmap in the request = the UE supports every algorithm.
struct SecurityCapabilityBit {
  std::uint8_t mask;
  std::uint8_t eea;
  std::string_view name;
};
inline constexpr std::array<SecurityCapabilityBit, 3> kSecurityCapabilityBits{{
    {0x01, 1, "128-EEA1"},
    {0x02, 2, "128-EEA2"},
    {0x04, 3, "128-EEA3"},
}};
// Whether a requester with `caps` supports EEA `eea` (absent bitmap = any; an EEA without a bit = no).
inline constexpr bool capabilities_allow(std::optional<std::uint8_t> caps, std::uint8_t eea) {
  if (!caps) return true;
  for (const auto& b : kSecurityCapabilityBits) {
    if (b.eea == eea) return (*caps & b.mask) != 0;
  }
  return false;
}

// MIKEY delivery port when a Key Request gives an address without a port (profile.md section 4).
inline constexpr std::uint16_t kDefaultMikeyPort = 2269;

// XML binding (profile.md section 5). Root names verified (Annex E.4); namespace and child names are ours.
inline constexpr std::string_view kNamespace = "urn:prose-relay-security:ns:pc8:1";
inline constexpr std::string_view kRootRequest = "KEY_REQUEST";
inline constexpr std::string_view kRootResponse = "KEY_RESPONSE";

// HTTP binding (provisional, profile.md section 5).
inline constexpr std::string_view kHttpMethod = "POST";
inline constexpr std::string_view kHttpPath = "/prose/pc8";
inline constexpr std::string_view kContentType = "application/vnd.3gpp.prose-pc8+xml";

// Element names (one place; schema/pc8.xsd uses the same strings).
namespace el {
inline constexpr std::string_view kTransactionId = "transaction-ID";
inline constexpr std::string_view kPrukRequest = "PRUK-request";
inline constexpr std::string_view kKdRequest = "KD-request";
inline constexpr std::string_view kPgkRequest = "PGK-request";
inline constexpr std::string_view kDiscoveryKeyRequest = "discovery-key-request";
inline constexpr std::string_view kPrukResponse = "PRUK-response";
inline constexpr std::string_view kKdResponse = "KD-response";
inline constexpr std::string_view kPgkResponse = "PGK-response";
inline constexpr std::string_view kDiscoveryKeyResponse = "discovery-key-response";
inline constexpr std::string_view kPrukDelivery = "PRUK-delivery";
inline constexpr std::string_view kPrukId = "PRUK-ID";
inline constexpr std::string_view kPruk = "PRUK";
inline constexpr std::string_view kUeIpAddress = "UE-IP-address";
inline constexpr std::string_view kUePort = "UE-port";
inline constexpr std::string_view kGroup = "group";
inline constexpr std::string_view kGroupId = "group-ID";
inline constexpr std::string_view kSupportedAlgorithm = "supported-algorithm";
inline constexpr std::string_view kPgkId = "PGK-ID";
inline constexpr std::string_view kGroupMemberId = "group-member-ID";
inline constexpr std::string_view kAlgorithmInfo = "algorithm-info";
inline constexpr std::string_view kPgkExpiry = "PGK-expiry";
inline constexpr std::string_view kKeyTypeId = "key-type-ID";
inline constexpr std::string_view kStopAcknowledged = "stop-acknowledged";
inline constexpr std::string_view kPmkId = "PMK-ID";
inline constexpr std::string_view kPmk = "PMK";
inline constexpr std::string_view kErrorCode = "error-code";
inline constexpr std::string_view kImsi = "IMSI";
inline constexpr std::string_view kMsisdn = "MSISDN";
inline constexpr std::string_view kRelayServiceCode = "relay-service-code";
inline constexpr std::string_view kNonce1 = "nonce-1";
inline constexpr std::string_view kResync = "resync";
inline constexpr std::string_view kRand = "RAND";
inline constexpr std::string_view kAuts = "AUTS";
inline constexpr std::string_view kKd = "KD";
inline constexpr std::string_view kKdFreshness = "KD-freshness";
inline constexpr std::string_view kGpi = "GPI";
inline constexpr std::string_view kRemoteUeIdentity = "remote-UE-identity";
inline constexpr std::string_view kOtherIdentity = "other-identity";
inline constexpr std::string_view kSecurityCapabilities = "PS-discovery-security-capabilities";
inline constexpr std::string_view kDiscoveryKey = "discovery-key";
inline constexpr std::string_view kPsdk = "PSDK";
inline constexpr std::string_view kPsdkId = "PSDK-ID";
inline constexpr std::string_view kPsdkExpiry = "PSDK-expiry";
inline constexpr std::string_view kKeyCombination = "key-combination";
inline constexpr std::string_view kEncryptedBitsMask = "encrypted-bits-mask";
inline constexpr std::string_view kConfidentialityAlgorithm = "confidentiality-algorithm";
}  // namespace el

}  // namespace prose::pc8

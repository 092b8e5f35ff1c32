// TS 24.334 PC5 signalling protocol: THE one table of wire constants (message types, IEIs, IE formats,
// cause / release reason / IP address config / User Info type values, UE Security Capabilities and Chosen
// Algorithms bit coding). Every other file of the pc5 module takes its numbers from here.
//
// Source tags (see docs/conformance/pc5.md):
//   [I S1]  NIST psc-ns3 lte-sl-pc5-signalling-header.{h,cc} (docs/sources.md S1)
//   [P]     docs/profile.md section 3 (provisional project choice)
//   [M]     background knowledge (33.401 / 24.301 conventions), not verified against 24.334 text
//   [V 24.008] TS 24.008 10.5.1.4 Mobile identity (IMSI/IMEI BCD coding)
//   [V 24.301] TS 24.301 9.9.3.23 NAS security algorithms (table 9.9.3.23.1 bit positions)
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace prose::pc5 {

// ---- Message types (1 octet) [I S1]; 0x08..0x0B are not assigned by the source and are rejected.
enum class MessageType : std::uint8_t {
  kDirectCommunicationRequest = 0x01,
  kDirectCommunicationAccept = 0x02,
  kDirectCommunicationReject = 0x03,
  kDirectCommunicationKeepalive = 0x04,
  kDirectCommunicationKeepaliveAck = 0x05,
  kDirectCommunicationRelease = 0x06,
  kDirectCommunicationReleaseAccept = 0x07,
  kDirectSecurityModeCommand = 0x0C,
  kDirectSecurityModeComplete = 0x0D,
  kDirectSecurityModeReject = 0x0E,
  kDirectRekeyingRequest = 0x0F,
  kDirectRekeyingResponse = 0x10,
  kDirectRekeyingTrigger = 0x11,
  kRemoteUeInfoRequest = 0x12,
  kRemoteUeInfoResponse = 0x13,
};

// "DIRECT_COMMUNICATION_REQUEST" etc.; nullopt for an unassigned code.
std::optional<std::string_view> message_type_name(std::uint8_t code);
bool is_known_message_type(std::uint8_t code);

// ---- Information Element Identifiers of the optional (non-imperative) IEs [I S1]; GPI format [P].
namespace iei {
inline constexpr std::uint8_t kUserInfo = 0x01;                 // TLV (DSMC)
inline constexpr std::uint8_t kLinkLocalIpv6Address = 0x03;     // TV, 16 octets
inline constexpr std::uint8_t kMaximumInactivityPeriod = 0x07;  // TV, 4 octets
inline constexpr std::uint8_t kPrukId = 0x08;                   // TV, 8 octets
inline constexpr std::uint8_t kAuts = 0x09;                     // TV, 14 octets
inline constexpr std::uint8_t kRand = 0x0A;                     // TV, 16 octets
inline constexpr std::uint8_t kLsbOfKdId = 0x0F;                // TV, 2 octets
inline constexpr std::uint8_t kMsbOfKdId = 0x10;                // TV, 2 octets
inline constexpr std::uint8_t kKdId = 0x11;                     // TV, 4 octets
inline constexpr std::uint8_t kKdFreshness = 0x12;              // TV, 16 octets
inline constexpr std::uint8_t kAuthFlag = 0x15;                 // TV, 1 octet
inline constexpr std::uint8_t kSignature = 0x16;                // TV, 129 octets
inline constexpr std::uint8_t kEncryptedPayload = 0x17;         // TLV (1-octet length)
inline constexpr std::uint8_t kGpi = 0x18;                      // TLV-E (2-octet length) [P]
inline constexpr std::uint8_t kRelayServiceCode = 0x19;         // TV, 3 octets, big-endian [P]
inline constexpr std::uint8_t kImei = 0x1B;                     // TV, 8 octets
}  // namespace iei

enum class IeFormat : std::uint8_t { kTv, kTlv, kTlvE };

struct IeDescriptor {
  std::uint8_t iei;
  std::string_view name;
  IeFormat format;
  std::size_t value_size;      // TV: exact value octets; TLV/TLV-E: minimum value octets
  std::size_t max_value_size;  // TLV/TLV-E: maximum value octets (TV: == value_size)
};
// nullptr for an IEI we do not know.
const IeDescriptor* find_ie(std::uint8_t iei);

// ---- Fixed sizes of mandatory (V) fields [I S1].
inline constexpr std::size_t kNonceSize = 16;
inline constexpr std::size_t kKdFreshnessSize = 16;
inline constexpr std::size_t kRandSize = 16;
inline constexpr std::size_t kAutsSize = 14;
inline constexpr std::size_t kSignatureSize = 129;  // ECCSI r || s || PVT (RFC 6507) [M]
inline constexpr std::size_t kIpv6AddressSize = 16;
inline constexpr std::size_t kImeiSize = 8;  // 15-digit IMEI as 24.008 mobile identity [V 24.008]

// ---- PC5 Signalling Protocol Cause (1 octet). 1..6 [I S1]; 7..9 [M]. Other values are reserved and rejected.
enum class Cause : std::uint8_t {
  kDirectCommunicationNotAllowed = 1,
  kAuthenticationFailure = 2,
  kConflictOfLayer2Id = 3,
  kLackOfResources = 4,
  kIpVersionMismatch = 5,
  kLinkSetupFailureOtherErrors = 6,
  kUeSecurityCapabilitiesMismatch = 7,
  kUnspecifiedError = 8,
  kAuthenticationSynchronisationError = 9,
};
std::optional<std::string_view> cause_name(std::uint8_t v);

// ---- Release Reason (1 octet) [I S1].
enum class ReleaseReason : std::uint8_t {
  kNoLongerNeeded = 1,
  kNoLongerAllowed = 2,
  kNoLongerAvailable = 3,
};
std::optional<std::string_view> release_reason_name(std::uint8_t v);

// ---- IP Address Config (1 octet; bits 4-1, bits 8-5 spare) [M].
enum class IpAddressConfig : std::uint8_t {
  kDhcpv4Server = 0x1,
  kIpv6Router = 0x2,
  kDhcpv4ServerAndIpv6Router = 0x3,
  kAddressAllocationNotSupported = 0x4,
};
inline constexpr std::uint8_t kIpAddressConfigMask = 0x0F;
std::optional<std::string_view> ip_address_config_name(std::uint8_t v);

// ---- User Info (DCR mandatory LV, DSMC optional TLV): 1 octet type then the value [P, profile.md 3].
enum class UserInfoType : std::uint8_t {
  kPrukId = 0x01,  // 8 octets, big-endian [P: no source]
  kImsi = 0x03,    // TS 24.008 mobile identity value (odd/even + type 001 + BCD digits)
                   // [I S1: psc-ns3 uses type 3 for IMSI, citing TS 24.334 12.5.1.3; value coding ours]
};
inline constexpr std::size_t kPrukIdSize = 8;
// TS 24.008 10.5.1.4 mobile identity [V 24.008].
inline constexpr std::uint8_t kMobileIdentityTypeImsi = 0x1;
inline constexpr std::uint8_t kMobileIdentityTypeImei = 0x2;
inline constexpr std::uint8_t kMobileIdentityOddFlag = 0x08;
inline constexpr std::size_t kImsiMinDigits = 6;
inline constexpr std::size_t kImsiMaxDigits = 15;
inline constexpr std::size_t kImeiDigits = 15;

// ---- Remote UE Info Type (1 octet) [M]: which information the relay asks for.
enum class RemoteUeInfoType : std::uint8_t { kImei = 0x01 };
std::optional<std::string_view> remote_ue_info_type_name(std::uint8_t v);

// ---- UE Security Capabilities (2 octets) [M, 24.301 style]: octet 1 = EEA0..EEA7 in bits 8..1
// (bit 8 = EEA0), octet 2 = EIA0..EIA7 the same way.
inline constexpr std::uint8_t ue_sec_cap_bit(unsigned alg_id) { return static_cast<std::uint8_t>(0x80u >> alg_id); }

// ---- Chosen Algorithms (1 octet) [V 24.301 bit positions; M that 24.334 reuses them; M values]: coded as the NAS
// security algorithms IE value (24.301 9.9.3.23): bit 8 spare; bits 7-5 type of ciphering algorithm (EEA id); bit 4
// spare; bits 3-1 type of integrity protection algorithm (EIA id). Ids 4..7 are reserved and rejected. (psc-ns3 puts
// the ciphering id one bit higher, in bits 8-6: an ns-3 quirk we do not copy, see docs/conformance/pc5.md.)
inline constexpr unsigned kChosenEeaShift = 4;
inline constexpr std::uint8_t kChosenAlgMask = 0x07;
inline constexpr std::uint8_t kMaxAlgorithmId = 3;

// ---- Auth Flag (1 octet) [M]: non-zero = re-authenticate (fresh KD).

}  // namespace prose::pc5

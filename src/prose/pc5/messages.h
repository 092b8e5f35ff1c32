// Typed models of every TS 24.334 PC5 signalling message (LTE one-to-one ProSe, relay case).
// Wire constants: prose/pc5/constants.h. Codec: prose/pc5/codec.h. Which message is protected how on PDCP:
// prose/pc5/protection_policy.h.
//
// Conventions: every message starts with its 16-bit PC5-S Sequence Number (transaction number, not a crypto
// counter). Mandatory fields are plain members; optional IEs are std::optional. Multi-octet integers are
// host values, encoded big-endian.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "prose/ids/ids.h"
#include "prose/pc5/constants.h"
#include "prose/util/bytes.h"

namespace prose::pc5 {

// Identifiers, nonces, KD freshness, RAND and AUTS are the shared types of prose/ids/ids.h.
static_assert(ids::kNonceSize == kNonceSize && ids::kKdFreshnessSize == kKdFreshnessSize);
static_assert(ids::kRandSize == kRandSize && ids::kAutsSize == kAutsSize && ids::kPrukIdSize == kPrukIdSize);
using Signature = std::array<std::uint8_t, kSignatureSize>;
using Ipv6Address = std::array<std::uint8_t, kIpv6AddressSize>;

// UE Security Capabilities: bitmaps as on the wire (bit 8 of each octet = algorithm 0).
struct UeSecurityCapabilities {
  std::uint8_t eea = 0;
  std::uint8_t eia = 0;
  bool supports_eea(unsigned id) const { return id < 8 && (eea & ue_sec_cap_bit(id)) != 0; }
  bool supports_eia(unsigned id) const { return id < 8 && (eia & ue_sec_cap_bit(id)) != 0; }
  UeSecurityCapabilities& add_eea(unsigned id) {
    eea |= ue_sec_cap_bit(id);
    return *this;
  }
  UeSecurityCapabilities& add_eia(unsigned id) {
    eia |= ue_sec_cap_bit(id);
    return *this;
  }
  friend bool operator==(const UeSecurityCapabilities&, const UeSecurityCapabilities&) = default;
};

// Chosen Algorithms: 3-bit EEA and EIA identities (0..3; 4..7 are reserved and rejected by the codec).
struct ChosenAlgorithms {
  std::uint8_t eea = 0;
  std::uint8_t eia = 0;
  friend bool operator==(const ChosenAlgorithms&, const ChosenAlgorithms&) = default;
};

// User Info [P]: PRUK ID (64 bit) or IMSI (6..15 decimal digits, coded as a TS 24.008 mobile identity).
struct UserInfo {
  UserInfoType type = UserInfoType::kPrukId;
  ids::PrukId pruk_id;  // when type == kPrukId
  std::string imsi;     // when type == kImsi: decimal digits only
  static UserInfo from_pruk_id(ids::PrukId id) { return UserInfo{UserInfoType::kPrukId, id, {}}; }
  static UserInfo from_imsi(std::string digits) { return UserInfo{UserInfoType::kImsi, {}, std::move(digits)}; }
  friend bool operator==(const UserInfo&, const UserInfo&) = default;
};

// 0x01
struct DirectCommunicationRequest {
  std::uint16_t sequence_number = 0;
  UserInfo user_info;
  IpAddressConfig ip_address_config = IpAddressConfig::kAddressAllocationNotSupported;
  std::uint32_t maximum_inactivity_period = 0;  // seconds
  ids::Nonce1 nonce_1{};
  UeSecurityCapabilities ue_security_capabilities;
  std::uint8_t msb_of_kd_sess_id = 0;
  std::optional<ids::KdId> kd_id;                           // IEI 0x11
  std::optional<ids::RelayServiceCode> relay_service_code;  // IEI 0x19, 24 bits
  std::optional<Signature> signature;                       // IEI 0x16
  std::optional<Ipv6Address> link_local_ipv6_address;       // IEI 0x03
  friend bool operator==(const DirectCommunicationRequest&, const DirectCommunicationRequest&) = default;
};

// 0x02
struct DirectCommunicationAccept {
  std::uint16_t sequence_number = 0;
  IpAddressConfig ip_address_config = IpAddressConfig::kAddressAllocationNotSupported;
  std::optional<Ipv6Address> link_local_ipv6_address;  // IEI 0x03
  friend bool operator==(const DirectCommunicationAccept&, const DirectCommunicationAccept&) = default;
};

// 0x03
struct DirectCommunicationReject {
  std::uint16_t sequence_number = 0;
  Cause cause = Cause::kUnspecifiedError;
  friend bool operator==(const DirectCommunicationReject&, const DirectCommunicationReject&) = default;
};

// 0x04
struct DirectCommunicationKeepalive {
  std::uint16_t sequence_number = 0;
  std::uint32_t keepalive_counter = 0;
  std::optional<std::uint32_t> maximum_inactivity_period;  // IEI 0x07
  friend bool operator==(const DirectCommunicationKeepalive&, const DirectCommunicationKeepalive&) = default;
};

// 0x05
struct DirectCommunicationKeepaliveAck {
  std::uint16_t sequence_number = 0;
  std::uint32_t keepalive_counter = 0;
  friend bool operator==(const DirectCommunicationKeepaliveAck&, const DirectCommunicationKeepaliveAck&) = default;
};

// 0x06
struct DirectCommunicationRelease {
  std::uint16_t sequence_number = 0;
  ReleaseReason release_reason = ReleaseReason::kNoLongerNeeded;
  friend bool operator==(const DirectCommunicationRelease&, const DirectCommunicationRelease&) = default;
};

// 0x07
struct DirectCommunicationReleaseAccept {
  std::uint16_t sequence_number = 0;
  friend bool operator==(const DirectCommunicationReleaseAccept&, const DirectCommunicationReleaseAccept&) = default;
};

// 0x0C
struct DirectSecurityModeCommand {
  std::uint16_t sequence_number = 0;
  UeSecurityCapabilities ue_security_capabilities;  // replay of the DCR / DRRq value
  ids::Nonce2 nonce_2{};
  ChosenAlgorithms chosen_algorithms;
  std::uint8_t lsb_of_kd_sess_id = 0;
  std::optional<std::uint16_t> msb_of_kd_id;     // IEI 0x10
  std::optional<ids::KdFreshness> kd_freshness;  // IEI 0x12
  std::optional<Bytes> gpi;                      // IEI 0x18, TLV-E, opaque GBA Push Info (1..65535 octets)
  std::optional<UserInfo> user_info;             // IEI 0x01
  std::optional<Signature> signature;            // IEI 0x16
  std::optional<Bytes> encrypted_payload;        // IEI 0x17, TLV (1..255 octets)
  friend bool operator==(const DirectSecurityModeCommand&, const DirectSecurityModeCommand&) = default;
};

// 0x0D
struct DirectSecurityModeComplete {
  std::uint16_t sequence_number = 0;
  std::optional<std::uint16_t> lsb_of_kd_id;  // IEI 0x0F
  friend bool operator==(const DirectSecurityModeComplete&, const DirectSecurityModeComplete&) = default;
};

// 0x0E
struct DirectSecurityModeReject {
  std::uint16_t sequence_number = 0;
  Cause cause = Cause::kUnspecifiedError;
  std::optional<ids::Rand> rand;  // IEI 0x0A
  std::optional<ids::Auts> auts;  // IEI 0x09
  friend bool operator==(const DirectSecurityModeReject&, const DirectSecurityModeReject&) = default;
};

// 0x0F
struct DirectRekeyingRequest {
  std::uint16_t sequence_number = 0;
  UeSecurityCapabilities ue_security_capabilities;
  ids::Nonce1 nonce_1{};
  std::uint8_t msb_of_kd_sess_id = 0;
  std::optional<std::uint8_t> auth_flag;  // IEI 0x15; non-zero = fresh KD wanted
  std::optional<ids::PrukId> pruk_id;     // IEI 0x08
  friend bool operator==(const DirectRekeyingRequest&, const DirectRekeyingRequest&) = default;
};

// 0x10
struct DirectRekeyingResponse {
  std::uint16_t sequence_number = 0;
  friend bool operator==(const DirectRekeyingResponse&, const DirectRekeyingResponse&) = default;
};

// 0x11
struct DirectRekeyingTrigger {
  std::uint16_t sequence_number = 0;
  friend bool operator==(const DirectRekeyingTrigger&, const DirectRekeyingTrigger&) = default;
};

// 0x12
struct RemoteUeInfoRequest {
  std::uint16_t sequence_number = 0;
  RemoteUeInfoType remote_ue_info_type = RemoteUeInfoType::kImei;
  friend bool operator==(const RemoteUeInfoRequest&, const RemoteUeInfoRequest&) = default;
};

// 0x13
struct RemoteUeInfoResponse {
  std::uint16_t sequence_number = 0;
  std::optional<std::string> imei;  // IEI 0x1B: 15 decimal digits, coded as a 24.008 mobile identity (8 octets)
  friend bool operator==(const RemoteUeInfoResponse&, const RemoteUeInfoResponse&) = default;
};

using Message = std::variant<DirectCommunicationRequest, DirectCommunicationAccept, DirectCommunicationReject,
                             DirectCommunicationKeepalive, DirectCommunicationKeepaliveAck, DirectCommunicationRelease,
                             DirectCommunicationReleaseAccept, DirectSecurityModeCommand, DirectSecurityModeComplete,
                             DirectSecurityModeReject, DirectRekeyingRequest, DirectRekeyingResponse,
                             DirectRekeyingTrigger, RemoteUeInfoRequest, RemoteUeInfoResponse>;

MessageType message_type(const Message& m);
std::uint16_t sequence_number(const Message& m);

}  // namespace prose::pc5

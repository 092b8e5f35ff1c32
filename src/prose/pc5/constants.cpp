#include "prose/pc5/constants.h"

#include <array>

namespace prose::pc5 {

namespace {

struct Named {
  std::uint8_t value;
  std::string_view name;
};

constexpr std::array<Named, 15> kMessageTypes{{
    {0x01, "DIRECT_COMMUNICATION_REQUEST"},
    {0x02, "DIRECT_COMMUNICATION_ACCEPT"},
    {0x03, "DIRECT_COMMUNICATION_REJECT"},
    {0x04, "DIRECT_COMMUNICATION_KEEPALIVE"},
    {0x05, "DIRECT_COMMUNICATION_KEEPALIVE_ACK"},
    {0x06, "DIRECT_COMMUNICATION_RELEASE"},
    {0x07, "DIRECT_COMMUNICATION_RELEASE_ACCEPT"},
    {0x0C, "DIRECT_SECURITY_MODE_COMMAND"},
    {0x0D, "DIRECT_SECURITY_MODE_COMPLETE"},
    {0x0E, "DIRECT_SECURITY_MODE_REJECT"},
    {0x0F, "DIRECT_REKEYING_REQUEST"},
    {0x10, "DIRECT_REKEYING_RESPONSE"},
    {0x11, "DIRECT_REKEYING_TRIGGER"},
    {0x12, "REMOTE_UE_INFO_REQUEST"},
    {0x13, "REMOTE_UE_INFO_RESPONSE"},
}};

constexpr std::array<IeDescriptor, 16> kIes{{
    {iei::kUserInfo, "User Info", IeFormat::kTlv, 5, 9},
    {iei::kLinkLocalIpv6Address, "Link Local IPv6 Address", IeFormat::kTv, 16, 16},
    {iei::kMaximumInactivityPeriod, "Maximum Inactivity Period", IeFormat::kTv, 4, 4},
    {iei::kPrukId, "PRUK ID", IeFormat::kTv, 8, 8},
    {iei::kAuts, "AUTS", IeFormat::kTv, 14, 14},
    {iei::kRand, "RAND", IeFormat::kTv, 16, 16},
    {iei::kLsbOfKdId, "LSB of KD ID", IeFormat::kTv, 2, 2},
    {iei::kMsbOfKdId, "MSB of KD ID", IeFormat::kTv, 2, 2},
    {iei::kKdId, "KD ID", IeFormat::kTv, 4, 4},
    {iei::kKdFreshness, "KD Freshness", IeFormat::kTv, 16, 16},
    {iei::kAuthFlag, "Auth Flag", IeFormat::kTv, 1, 1},
    {iei::kSignature, "Signature", IeFormat::kTv, kSignatureSize, kSignatureSize},
    {iei::kEncryptedPayload, "Encrypted Payload", IeFormat::kTlv, 1, 255},
    {iei::kGpi, "GPI", IeFormat::kTlvE, 1, 65535},
    {iei::kRelayServiceCode, "Relay Service Code", IeFormat::kTv, 3, 3},
    {iei::kImei, "IMEI", IeFormat::kTv, kImeiSize, kImeiSize},
}};

constexpr std::array<Named, 9> kCauses{{
    {1, "direct communication to the target UE not allowed"},
    {2, "authentication failure"},
    {3, "conflict of Layer-2 ID for unicast communication detected"},
    {4, "lack of resources for the proposed link"},
    {5, "IP version mismatch"},
    {6, "link setup failure due to other errors"},
    {7, "UE security capabilities mismatch"},
    {8, "unspecified error"},
    {9, "authentication synchronisation error"},
}};

constexpr std::array<Named, 3> kReleaseReasons{{
    {1, "direct communication with the peer UE no longer needed"},
    {2, "direct communication with the peer UE no longer allowed"},
    {3, "direct connection is not available any more"},
}};

constexpr std::array<Named, 4> kIpConfigs{{
    {1, "DHCPv4 server"},
    {2, "IPv6 router"},
    {3, "DHCPv4 server and IPv6 router"},
    {4, "address allocation not supported"},
}};

constexpr std::array<Named, 1> kRemoteUeInfoTypes{{{1, "IMEI"}}};

template <std::size_t N>
std::optional<std::string_view> lookup(const std::array<Named, N>& table, std::uint8_t v) {
  for (const auto& e : table) {
    if (e.value == v) return e.name;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> message_type_name(std::uint8_t code) { return lookup(kMessageTypes, code); }
bool is_known_message_type(std::uint8_t code) { return message_type_name(code).has_value(); }

const IeDescriptor* find_ie(std::uint8_t v) {
  for (const auto& d : kIes) {
    if (d.iei == v) return &d;
  }
  return nullptr;
}

std::optional<std::string_view> cause_name(std::uint8_t v) { return lookup(kCauses, v); }
std::optional<std::string_view> release_reason_name(std::uint8_t v) { return lookup(kReleaseReasons, v); }
std::optional<std::string_view> ip_address_config_name(std::uint8_t v) { return lookup(kIpConfigs, v); }
std::optional<std::string_view> remote_ue_info_type_name(std::uint8_t v) { return lookup(kRemoteUeInfoTypes, v); }

}  // namespace prose::pc5

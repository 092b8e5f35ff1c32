// UE-to-Network Relay discovery messages (TS 24.334 PC5_DISCOVERY, Model A announcement, Model B solicitation and
// response): the model and the plain (unprotected) codec of the fixed 29-octet layout (docs/discovery.md).
// Protection (MIC, confidentiality, scrambling) is in prose/discovery/protection.h.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose::discovery {

enum class MessageType : std::uint8_t { kAnnouncement, kSolicitation, kResponse };  // wire codes in constants.h

struct DiscoveryMessage {
  MessageType type = MessageType::kAnnouncement;
  std::uint32_t relay_service_code = 0;  // 24 bit
  std::uint64_t user_info_id = 0;        // 48 bit: announcer / discoverer / discoveree info
  std::uint32_t l2_id = 0;               // 24 bit: the ProSe (layer-2) UE ID the message carries
                                         // (announcement / response: the relay's; solicitation: 0 = absent)
  std::uint8_t status = 0;               // announcement / response status indicator (0 for a solicitation)

  friend bool operator==(const DiscoveryMessage&, const DiscoveryMessage&) = default;
};

// Every field of a PC5_DISCOVERY PDU as it is on the wire (after unprotection, or of an unprotected PDU).
struct DecodedPdu {
  DiscoveryMessage message;
  std::uint32_t mic = 0;
  std::uint8_t counter_lsb = 0;
};

std::uint8_t type_code(MessageType t);                      // wire code (constants.h)
Result<MessageType> type_from_code(std::uint8_t code);      // kMalformed for any other code
const char* type_name(MessageType t);                       // "UE-to-Network Relay Discovery Announcement" ...
const char* type_short_name(MessageType t);                 // "announcement" | "solicitation" | "response"
Result<MessageType> type_from_name(std::string_view name);  // short names; kInvalidArgument otherwise

// Checks the field ranges (kInvalidArgument naming the field): RSC, L2 ID 24 bits; user info 48 bits;
// a solicitation has status 0.
Status validate(const DiscoveryMessage& m);

// The 29-octet PDU with the given MIC and UTC-based counter LSB (both 0 for an unprotected message).
Result<Bytes> encode(const DiscoveryMessage& m, std::uint32_t mic = 0, std::uint8_t counter_lsb = 0);
// Strict decoder of the 29-octet layout: kTruncated when shorter, kMalformed when longer, for an unknown Message
// Type, a non-zero spare octet, an unknown URDS Composition or an absent UE ID that is not all zero.
Result<DecodedPdu> decode_pdu(ByteView pdu);
// decode_pdu(...).message.
Result<DiscoveryMessage> decode(ByteView pdu);
// "Name: value" pairs for the CLI and logs.
std::vector<std::pair<std::string, std::string>> describe(const DecodedPdu& d);

}  // namespace prose::discovery

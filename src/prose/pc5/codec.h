// Strict codec for TS 24.334 PC5 signalling messages (models in prose/pc5/messages.h).
//
// Layout: message type (1) || sequence number (2) || mandatory V/LV fields in their fixed order ||
// optional TV / TLV / TLV-E IEs identified by IEI, in any order on decode (fixed table order on encode).
//
// Decoder errors (all with the byte offset of the offending octet):
//   kTruncated    input ends inside a field or IE
//   kUnsupported  unknown / unassigned message type; unknown IEI (see docs/pc5.md "Unknown IEs")
//   kMalformed    IE not allowed in this message, duplicate IE, wrong IE length, reserved value,
//                 bad BCD digits, trailing octets
// Encoder errors: kInvalidArgument for a model that cannot be encoded (IMSI not 6..15 digits, IMEI not
// 15 digits, GPI empty or > 65535 octets, encrypted payload empty or > 255 octets, Relay Service Code
// > 24 bits, chosen algorithm id > 3).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "prose/pc5/messages.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose::pc5 {

Result<Message> decode(ByteView wire);
Result<Bytes> encode(const Message& msg);

// Human-readable description: ("Message type", "DIRECT_SECURITY_MODE_COMMAND (0x0c)"), then one entry per
// field / present IE, in wire order, values in lowercase hex or decimal. Used by `prose pc5 decode`.
std::vector<std::pair<std::string, std::string>> describe(const Message& msg);

// TS 24.008 10.5.1.4 mobile identity helpers (exposed for tests and other modules).
Result<Bytes> encode_mobile_identity(std::uint8_t type, const std::string& digits);
Result<std::string> decode_mobile_identity(ByteView value, std::uint8_t expected_type, std::size_t base_offset);

}  // namespace prose::pc5

#include "prose/discovery/messages.h"

#include <string>

#include "prose/discovery/constants.h"
#include "prose/util/byte_reader.h"
#include "prose/util/byte_writer.h"
#include "prose/util/hex.h"

namespace prose::discovery {

namespace c = constants;

std::uint8_t type_code(MessageType t) {
  switch (t) {
    case MessageType::kAnnouncement:
      return c::kTypeAnnouncement;
    case MessageType::kSolicitation:
      return c::kTypeSolicitation;
    case MessageType::kResponse:
      return c::kTypeResponse;
  }
  return 0;
}

Result<MessageType> type_from_code(std::uint8_t code) {
  switch (code) {
    case c::kTypeAnnouncement:
      return MessageType::kAnnouncement;
    case c::kTypeSolicitation:
      return MessageType::kSolicitation;
    case c::kTypeResponse:
      return MessageType::kResponse;
    default:
      break;
  }
  return fail_at(Errc::kMalformed, c::kOffType,
                 "Message Type 0x" + to_hex(Bytes{code}) + " is not a UE-to-Network Relay discovery message");
}

const char* type_name(MessageType t) {
  switch (t) {
    case MessageType::kAnnouncement:
      return "UE-to-Network Relay Discovery Announcement (Model A)";
    case MessageType::kSolicitation:
      return "UE-to-Network Relay Discovery Solicitation (Model B)";
    case MessageType::kResponse:
      return "UE-to-Network Relay Discovery Response (Model B)";
  }
  return "?";
}

const char* type_short_name(MessageType t) {
  switch (t) {
    case MessageType::kAnnouncement:
      return "announcement";
    case MessageType::kSolicitation:
      return "solicitation";
    case MessageType::kResponse:
      return "response";
  }
  return "?";
}

Result<MessageType> type_from_name(std::string_view name) {
  for (auto t : {MessageType::kAnnouncement, MessageType::kSolicitation, MessageType::kResponse}) {
    if (name == type_short_name(t)) return t;
  }
  return fail(Errc::kInvalidArgument,
              "unknown discovery message type '" + std::string(name) + "' (announcement, solicitation, response)");
}

Status validate(const DiscoveryMessage& m) {
  if (m.type != MessageType::kAnnouncement && m.type != MessageType::kSolicitation &&
      m.type != MessageType::kResponse) {
    return fail(Errc::kInvalidArgument, "unknown message type");
  }
  if (m.relay_service_code > c::kMaxRsc) return fail(Errc::kInvalidArgument, "Relay Service Code above 24 bits");
  if (m.user_info_id > c::kMaxUserInfo) return fail(Errc::kInvalidArgument, "User Info ID above 48 bits");
  if (m.l2_id > c::kMaxL2Id) return fail(Errc::kInvalidArgument, "ProSe UE ID above 24 bits");
  if (m.type == MessageType::kSolicitation && m.status != 0) {
    return fail(Errc::kInvalidArgument, "a solicitation carries no Status Indicator (status must be 0)");
  }
  return ok_status();
}

Result<Bytes> encode(const DiscoveryMessage& m, std::uint32_t mic, std::uint8_t counter_lsb) {
  PROSE_TRY_STATUS(validate(m));
  ByteWriter w(c::kMessageSize);
  w.u8(type_code(m.type));
  w.u24(m.relay_service_code);
  w.u16(static_cast<std::uint16_t>(m.user_info_id >> 32));
  w.u32(static_cast<std::uint32_t>(m.user_info_id));
  if (m.type == MessageType::kSolicitation) {
    w.u8(m.l2_id != 0 ? c::kUrdsUeIdPresent : c::kUrdsNoUeId);
    w.u24(m.l2_id);
  } else {
    w.u24(m.l2_id);
    w.u8(m.status);
  }
  for (std::size_t i = 0; i < c::kSpareSize; ++i) w.u8(0);
  w.u32(mic);
  w.u8(counter_lsb);
  if (w.size() != c::kMessageSize) return fail(Errc::kInternal, "discovery encoder produced a wrong size");
  return w.take();
}

Result<DecodedPdu> decode_pdu(ByteView pdu) {
  if (pdu.size() < c::kMessageSize) {
    return fail_at(Errc::kTruncated, pdu.size(),
                   "PC5_DISCOVERY message of " + std::to_string(pdu.size()) + " octets (needs " +
                       std::to_string(c::kMessageSize) + ")");
  }
  if (pdu.size() > c::kMessageSize) {
    return fail_at(Errc::kMalformed, c::kMessageSize,
                   "PC5_DISCOVERY message of " + std::to_string(pdu.size()) + " octets (exactly " +
                       std::to_string(c::kMessageSize) + " expected)");
  }
  ByteReader r(pdu);
  DecodedPdu d;
  PROSE_TRY(std::uint8_t code, r.u8("Message Type"));
  PROSE_TRY(d.message.type, type_from_code(code));
  PROSE_TRY(d.message.relay_service_code, r.u24("Relay Service Code"));
  PROSE_TRY(std::uint16_t info_hi, r.u16("User Info"));
  PROSE_TRY(std::uint32_t info_lo, r.u32("User Info"));
  d.message.user_info_id = (static_cast<std::uint64_t>(info_hi) << 32) | info_lo;
  if (d.message.type == MessageType::kSolicitation) {
    PROSE_TRY(std::uint8_t urds, r.u8("URDS Composition"));
    PROSE_TRY(std::uint32_t ue_id, r.u24("ProSe Relay UE ID"));
    if (urds == c::kUrdsNoUeId) {
      if (ue_id != 0) {
        return fail_at(Errc::kMalformed, c::kOffSolUeId, "URDS Composition says no UE ID but the field is not 0");
      }
    } else if (urds == c::kUrdsUeIdPresent) {
      if (ue_id == 0) return fail_at(Errc::kMalformed, c::kOffSolUeId, "URDS Composition says a UE ID but it is 0");
    } else {
      return fail_at(Errc::kMalformed, c::kOffUrds, "unknown URDS Composition " + std::to_string(urds));
    }
    d.message.l2_id = ue_id;
  } else {
    PROSE_TRY(d.message.l2_id, r.u24("ProSe Relay UE ID"));
    PROSE_TRY(d.message.status, r.u8("Status Indicator"));
  }
  for (std::size_t i = 0; i < c::kSpareSize; ++i) {
    const std::size_t at = r.offset();
    PROSE_TRY(std::uint8_t s, r.u8("Spare"));
    if (s != 0) return fail_at(Errc::kMalformed, at, "spare octet is not 0");
  }
  PROSE_TRY(d.mic, r.u32("MIC"));
  PROSE_TRY(d.counter_lsb, r.u8("UTC-based counter LSB"));
  PROSE_TRY_STATUS(r.expect_end("PC5_DISCOVERY message"));
  return d;
}

Result<DiscoveryMessage> decode(ByteView pdu) {
  PROSE_TRY(DecodedPdu d, decode_pdu(pdu));
  return d.message;
}

namespace {
std::string hex_n(std::uint64_t v, unsigned octets) {
  Bytes b(octets);
  for (unsigned i = 0; i < octets; ++i) b[octets - 1 - i] = static_cast<std::uint8_t>(v >> (8 * i));
  return to_hex(b);
}
}  // namespace

std::vector<std::pair<std::string, std::string>> describe(const DecodedPdu& d) {
  const DiscoveryMessage& m = d.message;
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back("Message Type", hex_n(type_code(m.type), 1) + " (" + type_name(m.type) + ")");
  out.emplace_back("Relay Service Code", hex_n(m.relay_service_code, 3));
  const char* info = m.type == MessageType::kAnnouncement   ? "Announcer Info"
                     : m.type == MessageType::kSolicitation ? "Discoverer Info"
                                                            : "Discoveree Info";
  out.emplace_back(info, hex_n(m.user_info_id, 6));
  if (m.type == MessageType::kSolicitation) {
    out.emplace_back("URDS Composition", m.l2_id != 0 ? "01 (UE ID present)" : "00 (no UE ID)");
    if (m.l2_id != 0) out.emplace_back("ProSe Relay UE ID", hex_n(m.l2_id, 3));
  } else {
    out.emplace_back("ProSe Relay UE ID", hex_n(m.l2_id, 3));
    out.emplace_back("Status Indicator", hex_n(m.status, 1));
  }
  out.emplace_back("MIC", hex_n(d.mic, 4));
  out.emplace_back("UTC-based counter LSB", hex_n(d.counter_lsb, 1));
  return out;
}

}  // namespace prose::discovery

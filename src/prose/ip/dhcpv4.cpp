#include "prose/ip/dhcpv4.h"

#include <set>

#include "prose/util/byte_reader.h"
#include "prose/util/byte_writer.h"

namespace prose::ip::dhcpv4 {
namespace {

void put_address(ByteWriter& w, std::uint8_t code, const std::optional<Ipv4Address>& a) {
  if (a) w.u8(code).u8(4).bytes(a->octets);
}

Result<Ipv4Address> read_address(ByteReader& r, std::string_view field) {
  PROSE_TRY(ByteView v, r.bytes(4, field));
  Ipv4Address a;
  std::copy(v.begin(), v.end(), a.octets.begin());
  return a;
}

Status expect_length(std::uint8_t code, std::size_t len, std::size_t want, std::size_t offset) {
  if (len != want) {
    return fail_at(Errc::kMalformed, offset,
                   "DHCP option " + std::to_string(code) + ": length " + std::to_string(len) + ", expected " +
                       std::to_string(want));
  }
  return ok_status();
}

}  // namespace

std::string_view message_type_name(MessageType t) {
  switch (t) {
    case MessageType::kDiscover:
      return "DHCPDISCOVER";
    case MessageType::kOffer:
      return "DHCPOFFER";
    case MessageType::kRequest:
      return "DHCPREQUEST";
    case MessageType::kDecline:
      return "DHCPDECLINE";
    case MessageType::kAck:
      return "DHCPACK";
    case MessageType::kNak:
      return "DHCPNAK";
    case MessageType::kRelease:
      return "DHCPRELEASE";
    case MessageType::kInform:
      return "DHCPINFORM";
  }
  return "DHCP?";
}

Bytes encode(const Message& m) {
  ByteWriter w(300);
  w.u8(m.op).u8(m.htype).u8(m.hlen).u8(m.hops).u32(m.xid).u16(m.secs).u16(m.flags);
  w.bytes(m.ciaddr.octets).bytes(m.yiaddr.octets).bytes(m.siaddr.octets).bytes(m.giaddr.octets);
  w.bytes(m.chaddr);
  const std::array<std::uint8_t, kSnameSize + kFileSize> zeros{};
  w.bytes(zeros);
  w.bytes(kMagicCookie);
  w.u8(kOptionMessageType).u8(1).u8(static_cast<std::uint8_t>(m.type));
  put_address(w, kOptionServerId, m.server_id);
  if (m.lease_seconds) w.u8(kOptionLeaseTime).u8(4).u32(*m.lease_seconds);
  put_address(w, kOptionSubnetMask, m.subnet_mask);
  put_address(w, kOptionRouter, m.router);
  put_address(w, kOptionRequestedIp, m.requested_ip);
  if (m.parameters) {
    w.u8(kOptionParameterList).u8(static_cast<std::uint8_t>(std::min<std::size_t>(m.parameters->size(), 255)));
    w.bytes(ByteView(*m.parameters).first(std::min<std::size_t>(m.parameters->size(), 255)));
  }
  if (m.message) {
    std::size_t n = std::min<std::size_t>(m.message->size(), 255);
    w.u8(kOptionMessage).u8(static_cast<std::uint8_t>(n)).str(std::string_view(*m.message).substr(0, n));
  }
  w.u8(kOptionEnd);
  return w.take();
}

Result<Message> decode(ByteView udp_payload) {
  ByteReader r(udp_payload);
  Message m;
  PROSE_TRY(m.op, r.u8("DHCP op"));
  if (m.op != kOpBootRequest && m.op != kOpBootReply) {
    return fail_at(Errc::kMalformed, 0, "DHCP op " + std::to_string(m.op) + " is neither BOOTREQUEST nor BOOTREPLY");
  }
  PROSE_TRY(m.htype, r.u8("DHCP htype"));
  PROSE_TRY(m.hlen, r.u8("DHCP hlen"));
  if (m.hlen > kChaddrSize) return fail_at(Errc::kMalformed, 2, "DHCP hlen " + std::to_string(m.hlen) + " > 16");
  PROSE_TRY(m.hops, r.u8("DHCP hops"));
  PROSE_TRY(m.xid, r.u32("DHCP xid"));
  PROSE_TRY(m.secs, r.u16("DHCP secs"));
  PROSE_TRY(m.flags, r.u16("DHCP flags"));
  PROSE_TRY(m.ciaddr, read_address(r, "DHCP ciaddr"));
  PROSE_TRY(m.yiaddr, read_address(r, "DHCP yiaddr"));
  PROSE_TRY(m.siaddr, read_address(r, "DHCP siaddr"));
  PROSE_TRY(m.giaddr, read_address(r, "DHCP giaddr"));
  PROSE_TRY(ByteView chaddr, r.bytes(kChaddrSize, "DHCP chaddr"));
  std::copy(chaddr.begin(), chaddr.end(), m.chaddr.begin());
  PROSE_TRY_STATUS(r.skip(kSnameSize + kFileSize, "DHCP sname/file"));
  std::size_t cookie_at = r.offset();
  PROSE_TRY(ByteView cookie, r.bytes(kMagicCookie.size(), "DHCP magic cookie"));
  if (!std::equal(cookie.begin(), cookie.end(), kMagicCookie.begin())) {
    return fail_at(Errc::kMalformed, cookie_at, "DHCP: wrong magic cookie (RFC 2131 3)");
  }
  bool have_type = false, have_end = false;
  std::set<std::uint8_t> seen;
  while (!have_end) {
    std::size_t at = r.offset();
    PROSE_TRY(std::uint8_t code, r.u8("DHCP option code"));
    if (code == kOptionPad) continue;
    if (code == kOptionEnd) {
      have_end = true;
      break;
    }
    PROSE_TRY(ByteReader value, r.u8_prefixed("DHCP option value"));
    std::size_t len = value.remaining();
    bool known = true;
    switch (code) {
      case kOptionMessageType: {
        PROSE_TRY_STATUS(expect_length(code, len, 1, at));
        PROSE_TRY(std::uint8_t t, value.u8("DHCP message type"));
        if (t < 1 || t > 8) return fail_at(Errc::kUnsupported, at, "DHCP message type " + std::to_string(t));
        m.type = static_cast<MessageType>(t);
        have_type = true;
        break;
      }
      case kOptionServerId: {
        PROSE_TRY_STATUS(expect_length(code, len, 4, at));
        PROSE_TRY(m.server_id, read_address(value, "DHCP server identifier"));
        break;
      }
      case kOptionLeaseTime: {
        PROSE_TRY_STATUS(expect_length(code, len, 4, at));
        PROSE_TRY(m.lease_seconds, value.u32("DHCP lease time"));
        break;
      }
      case kOptionSubnetMask: {
        PROSE_TRY_STATUS(expect_length(code, len, 4, at));
        PROSE_TRY(m.subnet_mask, read_address(value, "DHCP subnet mask"));
        break;
      }
      case kOptionRouter: {
        if (len < 4 || len % 4 != 0) {
          return fail_at(Errc::kMalformed, at, "DHCP option 3: length " + std::to_string(len) + " not 4n");
        }
        PROSE_TRY(m.router, read_address(value, "DHCP router"));
        break;
      }
      case kOptionRequestedIp: {
        PROSE_TRY_STATUS(expect_length(code, len, 4, at));
        PROSE_TRY(m.requested_ip, read_address(value, "DHCP requested IP address"));
        break;
      }
      case kOptionParameterList: {
        ByteView v = value.rest();
        m.parameters = std::vector<std::uint8_t>(v.begin(), v.end());
        break;
      }
      case kOptionMessage: {
        ByteView v = value.rest();
        m.message = std::string(v.begin(), v.end());
        break;
      }
      case kOptionOverload: {
        return fail_at(Errc::kUnsupported, at, "DHCP option overload (52) not supported");
      }
      default: {
        known = false;  // skipped
      }
    }
    if (known && !seen.insert(code).second) {
      return fail_at(Errc::kMalformed, at, "DHCP option " + std::to_string(code) + " given twice");
    }
  }
  if (!have_type) return fail(Errc::kMalformed, "DHCP: no message type option (53)");
  return m;
}

}  // namespace prose::ip::dhcpv4

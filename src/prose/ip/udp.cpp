#include "prose/ip/udp.h"

#include "prose/ip/checksum.h"
#include "prose/util/byte_reader.h"
#include "prose/util/byte_writer.h"

namespace prose::ip {

Result<UdpDatagram> parse_ipv4_udp(const Ipv4Packet& packet) {
  const Ipv4Header& h = packet.header;
  if (h.protocol != kProtocolUdp) {
    return fail(Errc::kMalformed, "IPv4 protocol " + std::to_string(h.protocol) + " is not UDP");
  }
  if ((h.flags_fragment & 0x3FFF) != 0) return fail(Errc::kUnsupported, "UDP: fragmented IPv4 packet");
  ByteReader r(packet.payload, h.header_length);
  UdpDatagram d{h.source, h.destination};
  PROSE_TRY(d.source_port, r.u16("UDP source port"));
  PROSE_TRY(d.destination_port, r.u16("UDP destination port"));
  PROSE_TRY(std::uint16_t length, r.u16("UDP length"));
  PROSE_TRY(std::uint16_t checksum, r.u16("UDP checksum"));
  if (length != packet.payload.size()) {
    return fail_at(Errc::kMalformed, h.header_length + 4u,
                   "UDP: length " + std::to_string(length) + " but the IPv4 payload has " +
                       std::to_string(packet.payload.size()) + " octets");
  }
  if (checksum != 0) {
    std::uint32_t s = ipv4_pseudo_header_sum(h.source, h.destination, kProtocolUdp, length);
    if (checksum_finish(checksum_add(s, packet.payload)) != 0) {
      return fail_at(Errc::kMalformed, h.header_length + 6u, "UDP: checksum mismatch");
    }
  }
  d.payload = r.rest();
  return d;
}

Result<Bytes> encode_ipv4_udp(Ipv4Address source, std::uint16_t source_port, Ipv4Address destination,
                              std::uint16_t destination_port, ByteView payload) {
  if (payload.size() > 0xFFFF - kIpv4MinHeaderSize - kUdpHeaderSize) {
    return fail(Errc::kInvalidArgument, "UDP: payload of " + std::to_string(payload.size()) + " octets too long");
  }
  auto length = static_cast<std::uint16_t>(kUdpHeaderSize + payload.size());
  ByteWriter w(length);
  w.u16(source_port).u16(destination_port).u16(length).u16(0).bytes(payload);
  Bytes udp = w.take();
  std::uint16_t c =
      checksum_finish(checksum_add(ipv4_pseudo_header_sum(source, destination, kProtocolUdp, length), udp));
  if (c == 0) c = 0xFFFF;  // RFC 768: a computed zero is sent as all ones
  udp[6] = static_cast<std::uint8_t>(c >> 8);
  udp[7] = static_cast<std::uint8_t>(c);
  Ipv4Header h;
  h.protocol = kProtocolUdp;
  h.source = source;
  h.destination = destination;
  return encode_ipv4(h, udp);
}

}  // namespace prose::ip

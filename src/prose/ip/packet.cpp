#include "prose/ip/packet.h"

#include "prose/ip/checksum.h"
#include "prose/util/byte_reader.h"
#include "prose/util/byte_writer.h"

namespace prose::ip {
namespace {

template <std::size_t N>
Result<std::array<std::uint8_t, N>> read_octets(ByteReader& r, std::string_view field) {
  PROSE_TRY(ByteView v, r.bytes(N, field));
  std::array<std::uint8_t, N> a{};
  std::copy(v.begin(), v.end(), a.begin());
  return a;
}

}  // namespace

Result<std::uint8_t> ip_version(ByteView packet) {
  ByteReader r(packet);
  PROSE_TRY(std::uint8_t first, r.peek_u8("IP version"));
  std::uint8_t v = first >> 4;
  if (v != 4 && v != 6) return fail_at(Errc::kUnsupported, 0, "IP version " + std::to_string(v) + " (not 4 or 6)");
  return v;
}

bool ipv4_header_checksum_ok(ByteView header) { return checksum_finish(checksum_add(0, header)) == 0; }

Result<Ipv4Packet> parse_ipv4(ByteView packet) {
  ByteReader r(packet);
  Ipv4Packet p;
  Ipv4Header& h = p.header;
  PROSE_TRY(std::uint8_t vihl, r.u8("IPv4 version/IHL"));
  if ((vihl >> 4) != 4) return fail_at(Errc::kMalformed, 0, "IPv4: version " + std::to_string(vihl >> 4) + ", not 4");
  h.header_length = static_cast<std::uint8_t>((vihl & 0x0F) * 4);
  if (h.header_length < kIpv4MinHeaderSize) {
    return fail_at(Errc::kMalformed, 0, "IPv4: IHL " + std::to_string(vihl & 0x0F) + " < 5");
  }
  PROSE_TRY(h.tos, r.u8("IPv4 TOS"));
  PROSE_TRY(h.total_length, r.u16("IPv4 total length"));
  PROSE_TRY(h.identification, r.u16("IPv4 identification"));
  PROSE_TRY(h.flags_fragment, r.u16("IPv4 flags/fragment offset"));
  PROSE_TRY(h.ttl, r.u8("IPv4 TTL"));
  PROSE_TRY(h.protocol, r.u8("IPv4 protocol"));
  PROSE_TRY(h.checksum, r.u16("IPv4 header checksum"));
  PROSE_TRY(h.source.octets, read_octets<4>(r, "IPv4 source address"));
  PROSE_TRY(h.destination.octets, read_octets<4>(r, "IPv4 destination address"));
  PROSE_TRY(p.options, r.bytes(h.header_length - kIpv4MinHeaderSize, "IPv4 options"));
  if (h.total_length < h.header_length) {
    return fail_at(
        Errc::kMalformed, 2,
        "IPv4: total length " + std::to_string(h.total_length) + " < header length " + std::to_string(h.header_length));
  }
  if (h.total_length != packet.size()) {
    return fail_at(h.total_length > packet.size() ? Errc::kTruncated : Errc::kMalformed, 2,
                   "IPv4: total length " + std::to_string(h.total_length) + " but the packet has " +
                       std::to_string(packet.size()) + " octets");
  }
  if (!ipv4_header_checksum_ok(packet.first(h.header_length))) {
    return fail_at(Errc::kMalformed, 10, "IPv4: header checksum mismatch");
  }
  p.payload = r.rest();
  return p;
}

Result<Ipv6Packet> parse_ipv6(ByteView packet) {
  ByteReader r(packet);
  Ipv6Packet p;
  Ipv6Header& h = p.header;
  PROSE_TRY(std::uint32_t first, r.u32("IPv6 version/traffic class/flow label"));
  if ((first >> 28) != 6) {
    return fail_at(Errc::kMalformed, 0, "IPv6: version " + std::to_string(first >> 28) + ", not 6");
  }
  h.traffic_class = static_cast<std::uint8_t>(first >> 20);
  h.flow_label = first & 0xFFFFF;
  PROSE_TRY(h.payload_length, r.u16("IPv6 payload length"));
  PROSE_TRY(h.next_header, r.u8("IPv6 next header"));
  PROSE_TRY(h.hop_limit, r.u8("IPv6 hop limit"));
  PROSE_TRY(h.source.octets, read_octets<16>(r, "IPv6 source address"));
  PROSE_TRY(h.destination.octets, read_octets<16>(r, "IPv6 destination address"));
  if (h.payload_length == 0 && h.next_header == 0 && r.remaining() > 0) {
    return fail_at(Errc::kUnsupported, 4, "IPv6: jumbogram (RFC 2675) not supported");
  }
  if (h.payload_length != r.remaining()) {
    return fail_at(h.payload_length > r.remaining() ? Errc::kTruncated : Errc::kMalformed, 4,
                   "IPv6: payload length " + std::to_string(h.payload_length) + " but " +
                       std::to_string(r.remaining()) + " octets follow the header");
  }
  p.payload = r.rest();
  return p;
}

Result<IpPacket> parse_ip(ByteView packet) {
  PROSE_TRY(std::uint8_t v, ip_version(packet));
  if (v == 4) {
    PROSE_TRY(Ipv4Packet p, parse_ipv4(packet));
    return IpPacket{p};
  }
  PROSE_TRY(Ipv6Packet p, parse_ipv6(packet));
  return IpPacket{p};
}

Result<Bytes> encode_ipv4(const Ipv4Header& h, ByteView payload) {
  if (payload.size() > 0xFFFF - kIpv4MinHeaderSize) {
    return fail(Errc::kInvalidArgument, "IPv4: payload of " + std::to_string(payload.size()) + " octets too long");
  }
  ByteWriter w(kIpv4MinHeaderSize + payload.size());
  w.u8(0x45).u8(h.tos).u16(static_cast<std::uint16_t>(kIpv4MinHeaderSize + payload.size()));
  w.u16(h.identification).u16(h.flags_fragment).u8(h.ttl).u8(h.protocol).u16(0);
  w.bytes(h.source.octets).bytes(h.destination.octets);
  Bytes out = w.take();
  std::uint16_t c = internet_checksum(ByteView(out).first(kIpv4MinHeaderSize));
  out[10] = static_cast<std::uint8_t>(c >> 8);
  out[11] = static_cast<std::uint8_t>(c);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

Result<Bytes> encode_ipv6(const Ipv6Header& h, ByteView payload) {
  if (payload.size() > 0xFFFF) {
    return fail(Errc::kInvalidArgument, "IPv6: payload of " + std::to_string(payload.size()) + " octets too long");
  }
  ByteWriter w(kIpv6HeaderSize + payload.size());
  w.u32((std::uint32_t{6} << 28) | (std::uint32_t{h.traffic_class} << 20) | (h.flow_label & 0xFFFFF));
  w.u16(static_cast<std::uint16_t>(payload.size())).u8(h.next_header).u8(h.hop_limit);
  w.bytes(h.source.octets).bytes(h.destination.octets).bytes(payload);
  return w.take();
}

}  // namespace prose::ip

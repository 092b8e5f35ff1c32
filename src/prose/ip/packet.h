// The IPv4 (RFC 791) and IPv6 (RFC 8200) header fields a relay needs, read from one IP packet (an IP-type SL PDCP
// SDU, or a packet read from a TUN device) through the bounds-checked ByteReader. A packet is accepted only when the
// header is complete and consistent with the buffer: version, IHL >= 5, IHL*4 <= Total Length == buffer size, and a
// correct IPv4 header checksum; for IPv6 40 + Payload Length == buffer size. Extension headers and IPv4 options are
// not interpreted (an IPv6 packet's next_header is the first one; options are skipped as part of the header).
#pragma once

#include <cstdint>
#include <variant>

#include "prose/ip/address.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose::ip {

// IANA protocol numbers (IPv4 Protocol / IPv6 Next Header).
inline constexpr std::uint8_t kProtocolIcmp = 1;     // RFC 792
inline constexpr std::uint8_t kProtocolUdp = 17;     // RFC 768
inline constexpr std::uint8_t kProtocolIcmpv6 = 58;  // RFC 4443

inline constexpr std::size_t kIpv4MinHeaderSize = 20;  // RFC 791 3.1: IHL 5
inline constexpr std::size_t kIpv6HeaderSize = 40;     // RFC 8200 3

struct Ipv4Header {
  std::uint8_t header_length = 20;  // octets (IHL * 4)
  std::uint8_t tos = 0;             // DSCP + ECN
  std::uint16_t total_length = 0;   // header + payload, octets
  std::uint16_t identification = 0;
  std::uint16_t flags_fragment = 0;  // 3 flag bits, 13-bit fragment offset
  std::uint8_t ttl = 64;
  std::uint8_t protocol = 0;
  std::uint16_t checksum = 0;
  Ipv4Address source;
  Ipv4Address destination;
  bool operator==(const Ipv4Header&) const = default;
};

struct Ipv4Packet {
  Ipv4Header header;
  ByteView options;  // header_length - 20 octets, not interpreted
  ByteView payload;  // total_length - header_length octets
};

struct Ipv6Header {
  std::uint8_t traffic_class = 0;
  std::uint32_t flow_label = 0;  // 20 bits
  std::uint16_t payload_length = 0;
  std::uint8_t next_header = 0;
  std::uint8_t hop_limit = 64;
  Ipv6Address source;
  Ipv6Address destination;
  bool operator==(const Ipv6Header&) const = default;
};

struct Ipv6Packet {
  Ipv6Header header;
  ByteView payload;  // payload_length octets, extension headers included
};

using IpPacket = std::variant<Ipv4Packet, Ipv6Packet>;

// The version nibble of the first octet (4 or 6); kTruncated on an empty buffer, kUnsupported for others.
Result<std::uint8_t> ip_version(ByteView packet);
Result<Ipv4Packet> parse_ipv4(ByteView packet);
Result<Ipv6Packet> parse_ipv6(ByteView packet);
Result<IpPacket> parse_ip(ByteView packet);

// Whether the header's checksum field is right (the sum over the header, options included, is 0xFFFF).
bool ipv4_header_checksum_ok(ByteView header);

// Builds a packet: total_length / payload_length and the IPv4 header checksum are computed (the fields passed in
// are ignored); IPv4 without options. kInvalidArgument when the payload does not fit the length field.
Result<Bytes> encode_ipv4(const Ipv4Header& header, ByteView payload);
Result<Bytes> encode_ipv6(const Ipv6Header& header, ByteView payload);

}  // namespace prose::ip

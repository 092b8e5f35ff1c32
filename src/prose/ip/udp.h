// UDP over IPv4 (RFC 768): what the DHCPv4 codecs need to put their messages into, and take them out of, the IP
// packets carried as IP-type SL PDCP SDUs.
#pragma once

#include <cstdint>

#include "prose/ip/address.h"
#include "prose/ip/packet.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose::ip {

inline constexpr std::size_t kUdpHeaderSize = 8;

struct UdpDatagram {
  Ipv4Address source;
  Ipv4Address destination;
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
  ByteView payload;
};

// The UDP datagram inside an IPv4 packet: protocol 17, Length consistent with the IP payload, and a correct
// checksum unless it is 0 (RFC 768: "no checksum").
Result<UdpDatagram> parse_ipv4_udp(const Ipv4Packet& packet);
// A complete IPv4/UDP packet (TTL 64, DF clear), UDP checksum computed.
Result<Bytes> encode_ipv4_udp(Ipv4Address source, std::uint16_t source_port, Ipv4Address destination,
                              std::uint16_t destination_port, ByteView payload);

}  // namespace prose::ip

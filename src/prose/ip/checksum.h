// The Internet checksum (RFC 1071): the 16-bit ones' complement of the ones' complement sum. Used for the IPv4
// header (RFC 791), ICMP (RFC 792), UDP over IPv4 (RFC 768, with the pseudo-header) and ICMPv6 / UDP over IPv6
// (RFC 8200 8.1 pseudo-header).
#pragma once

#include <cstdint>

#include "prose/ip/address.h"
#include "prose/util/bytes.h"

namespace prose::ip {

// Adds `data` (big-endian 16-bit words, an odd last octet padded with zero) to a running 32-bit sum.
std::uint32_t checksum_add(std::uint32_t sum, ByteView data);
// Folds the carries and complements: the value to put in the checksum field.
std::uint16_t checksum_finish(std::uint32_t sum);
inline std::uint16_t internet_checksum(ByteView data) { return checksum_finish(checksum_add(0, data)); }

// The RFC 768 pseudo-header sum (source, destination, zero, protocol, UDP length) to start a UDP checksum with.
std::uint32_t ipv4_pseudo_header_sum(Ipv4Address source, Ipv4Address destination, std::uint8_t protocol,
                                     std::uint16_t length);
// The RFC 8200 8.1 pseudo-header sum (source, destination, upper-layer length, three zero octets, next header).
std::uint32_t ipv6_pseudo_header_sum(const Ipv6Address& source, const Ipv6Address& destination,
                                     std::uint8_t next_header, std::uint32_t length);

}  // namespace prose::ip

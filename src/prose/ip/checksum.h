// The pseudo-header sums of UDP over IPv4 (RFC 768) and ICMPv6 / UDP over IPv6 (RFC 8200 8.1), to start an
// Internet checksum with (prose/util/inet_checksum.h: checksum_add, checksum_finish, internet_checksum).
#pragma once

#include <cstdint>

#include "prose/ip/address.h"
#include "prose/util/bytes.h"
#include "prose/util/inet_checksum.h"

namespace prose::ip {

// The RFC 768 pseudo-header sum (source, destination, zero, protocol, UDP length) to start a UDP checksum with.
std::uint32_t ipv4_pseudo_header_sum(Ipv4Address source, Ipv4Address destination, std::uint8_t protocol,
                                     std::uint16_t length);
// The RFC 8200 8.1 pseudo-header sum (source, destination, upper-layer length, three zero octets, next header).
std::uint32_t ipv6_pseudo_header_sum(const Ipv6Address& source, const Ipv6Address& destination,
                                     std::uint8_t next_header, std::uint32_t length);

}  // namespace prose::ip

// The Internet checksum (RFC 1071): the 16-bit ones' complement of the ones' complement sum of big-endian 16-bit
// words. One implementation for the IPv4 header (RFC 791), ICMP (RFC 792), UDP and TCP with their pseudo-headers
// (RFC 768, RFC 9293, RFC 8200 8.1): the IP relay (prose/ip) and the capture writer (pcap_writer.h) use it.
#pragma once

#include <cstdint>

#include "prose/util/bytes.h"

namespace prose {

// Adds `data` (big-endian 16-bit words, an odd last octet padded with zero) to a running 32-bit sum.
std::uint32_t checksum_add(std::uint32_t sum, ByteView data);
// Folds the carries and complements: the value to put in the checksum field (0 over data that checks).
std::uint16_t checksum_finish(std::uint32_t sum);
inline std::uint16_t internet_checksum(ByteView data) { return checksum_finish(checksum_add(0, data)); }

}  // namespace prose

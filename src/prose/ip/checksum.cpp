#include "prose/ip/checksum.h"

namespace prose::ip {

std::uint32_t ipv4_pseudo_header_sum(Ipv4Address source, Ipv4Address destination, std::uint8_t protocol,
                                     std::uint16_t length) {
  std::uint32_t s = checksum_add(0, source.octets);
  s = checksum_add(s, destination.octets);
  const std::uint8_t tail[4] = {0, protocol, static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)};
  return checksum_add(s, tail);
}

std::uint32_t ipv6_pseudo_header_sum(const Ipv6Address& source, const Ipv6Address& destination,
                                     std::uint8_t next_header, std::uint32_t length) {
  std::uint32_t s = checksum_add(0, source.octets);
  s = checksum_add(s, destination.octets);
  const std::uint8_t tail[8] = {static_cast<std::uint8_t>(length >> 24),
                                static_cast<std::uint8_t>(length >> 16),
                                static_cast<std::uint8_t>(length >> 8),
                                static_cast<std::uint8_t>(length),
                                0,
                                0,
                                0,
                                next_header};
  return checksum_add(s, tail);
}

}  // namespace prose::ip

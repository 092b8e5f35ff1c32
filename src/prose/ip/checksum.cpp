#include "prose/ip/checksum.h"

namespace prose::ip {

std::uint32_t checksum_add(std::uint32_t sum, ByteView data) {
  std::uint64_t s = sum;
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) s += (std::uint32_t{data[i]} << 8) | data[i + 1];
  if (i < data.size()) s += std::uint32_t{data[i]} << 8;
  while (s >> 32) s = (s & 0xFFFFFFFFu) + (s >> 32);
  return static_cast<std::uint32_t>(s);
}

std::uint16_t checksum_finish(std::uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xFFFF);
}

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

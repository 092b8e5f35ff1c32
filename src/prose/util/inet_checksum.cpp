#include "prose/util/inet_checksum.h"

namespace prose {

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

}  // namespace prose

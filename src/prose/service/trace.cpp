#include "prose/service/trace.h"

#include <cstdio>

namespace prose::service {

std::string hex24(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%06x", v);
  return b;
}
std::string hex16(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%04x", v & 0xffffu);
  return b;
}
std::string hex32(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", v);
  return b;
}

}  // namespace prose::service

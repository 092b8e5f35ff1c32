#include "prose/ids/ids.h"

namespace prose::ids {

std::string KdSessId::hex() const {
  const std::array<std::uint8_t, kKdSessIdSize> b{msb(), lsb()};
  return to_hex(ByteView(b.data(), b.size()));
}

}  // namespace prose::ids

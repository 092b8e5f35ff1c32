#include "prose/discovery/plain.h"

#include <string>

#include "prose/util/byte_reader.h"
#include "prose/util/byte_writer.h"

namespace prose::discovery {

Result<Bytes> encode_discovery(const Discovery& d) {
  if (d.relay_service_code > 0xffffff) return fail(Errc::kInvalidArgument, "Relay Service Code above 24 bits");
  ByteWriter w;
  w.u8(static_cast<std::uint8_t>(d.type));
  w.u24(d.relay_service_code);
  return w.take();
}

Result<Discovery> decode_discovery(ByteView b) {
  if (b.size() != kDiscoverySize) return fail(Errc::kMalformed, "discovery message must be 4 octets");
  ByteReader r(b);
  PROSE_TRY(std::uint8_t t, r.u8());
  if (t < 1 || t > 3) return fail(Errc::kMalformed, "unknown discovery type " + std::to_string(t));
  Discovery d;
  d.type = static_cast<DiscoveryType>(t);
  PROSE_TRY(d.relay_service_code, r.u24());
  return d;
}

}  // namespace prose::discovery

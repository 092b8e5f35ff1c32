#include "prose/agents/frame.h"

#include "prose/util/byte_reader.h"
#include "prose/util/byte_writer.h"

namespace prose::agents {

Result<Bytes> encode_frame(const Frame& f) {
  if (f.src > kMaxL2Id || f.dst > kMaxL2Id) return fail(Errc::kInvalidArgument, "layer-2 ID above 24 bits");
  if (f.pdu.empty() || f.pdu.size() + kFrameHeaderSize > kMaxFrameSize)
    return fail(Errc::kInvalidArgument, "PDU empty or too large for a frame");
  ByteWriter w;
  w.u24(f.src);
  w.u24(f.dst);
  w.bytes(f.pdu);
  return w.take();
}

Result<Frame> decode_frame(ByteView b) {
  if (b.size() > kMaxFrameSize) return fail(Errc::kMalformed, "frame larger than " + std::to_string(kMaxFrameSize));
  ByteReader r(b);
  Frame f;
  PROSE_TRY(f.src, r.u24());
  PROSE_TRY(f.dst, r.u24());
  if (r.remaining() == 0) return fail(Errc::kMalformed, "frame without a PDU");
  PROSE_TRY(auto rest, r.bytes(r.remaining()));
  f.pdu.assign(rest.begin(), rest.end());
  return f;
}

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

}  // namespace prose::agents

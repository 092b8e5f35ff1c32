#include "prose/agents/frame.h"

#include <algorithm>

#include "prose/util/byte_reader.h"
#include "prose/util/byte_writer.h"

namespace prose::agents {

namespace {

Status check_frame(std::uint32_t src, std::uint32_t dst, ByteView pdu) {
  if (src > kMaxL2Id || dst > kMaxL2Id) return fail(Errc::kInvalidArgument, "layer-2 ID above 24 bits");
  if (pdu.empty() || pdu.size() + kFrameHeaderSize > kMaxFrameSize)
    return fail(Errc::kInvalidArgument, "PDU empty or too large for a frame");
  return {};
}

}  // namespace

Result<Bytes> encode_frame(const Frame& f) {
  PROSE_TRY_STATUS(check_frame(f.src, f.dst, f.pdu));
  ByteWriter w;
  w.u24(f.src);
  w.u24(f.dst);
  w.bytes(f.pdu);
  return w.take();
}

Result<std::size_t> encode_frame_into(std::uint32_t src, std::uint32_t dst, ByteView pdu, std::uint8_t* out) {
  PROSE_TRY_STATUS(check_frame(src, dst, pdu));
  for (int i = 0; i < 3; ++i) {
    out[i] = static_cast<std::uint8_t>(src >> (16 - 8 * i));
    out[3 + i] = static_cast<std::uint8_t>(dst >> (16 - 8 * i));
  }
  std::copy(pdu.begin(), pdu.end(), out + kFrameHeaderSize);
  return kFrameHeaderSize + pdu.size();
}

Result<FrameView> decode_frame_view(ByteView b) {
  if (b.size() > kMaxFrameSize) return fail(Errc::kMalformed, "frame larger than " + std::to_string(kMaxFrameSize));
  ByteReader r(b);
  FrameView f;
  PROSE_TRY(f.src, r.u24());
  PROSE_TRY(f.dst, r.u24());
  if (r.remaining() == 0) return fail(Errc::kMalformed, "frame without a PDU");
  PROSE_TRY(f.pdu, r.bytes(r.remaining()));
  return f;
}

Result<Frame> decode_frame(ByteView b) {
  PROSE_TRY(FrameView v, decode_frame_view(b));
  return Frame{v.src, v.dst, Bytes(v.pdu.begin(), v.pdu.end())};
}

}  // namespace prose::agents

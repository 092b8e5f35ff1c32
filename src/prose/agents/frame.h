// PC5 emulation frames (docs/agents.md): 24-bit layer-2 source ID, 24-bit layer-2 destination ID, then the PDCP
// PDU. Discovery (Model A announcement, Model B solicitation / response, unprotected until issue 9) is carried
// in frames addressed to the broadcast L2 ID (prose/discovery/plain.h). Header-only parts (constants) are also used by
// the Wireshark plugin's dissector (prose/dissect).
#pragma once
#include <cstdint>
#include <optional>

#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose::agents {

inline constexpr std::uint32_t kMaxL2Id = 0xffffff;
inline constexpr std::size_t kFrameHeaderSize = 6;
inline constexpr std::size_t kMaxFrameSize = 9000;

struct Frame {
  std::uint32_t src = 0;  // 24 bit
  std::uint32_t dst = 0;  // 24 bit
  Bytes pdu;
};

// A received frame without a copy: `pdu` points into the buffer it was decoded from.
struct FrameView {
  std::uint32_t src = 0;
  std::uint32_t dst = 0;
  ByteView pdu;
};

// kInvalidArgument for IDs above 24 bits or an oversize PDU.
Result<Bytes> encode_frame(const Frame& f);
// The same octets written to `out` (at least kMaxFrameSize octets); their number.
Result<std::size_t> encode_frame_into(std::uint32_t src, std::uint32_t dst, ByteView pdu, std::uint8_t* out);
// kTruncated when shorter than the header, kMalformed for an empty PDU or an oversize frame.
Result<Frame> decode_frame(ByteView b);
Result<FrameView> decode_frame_view(ByteView b);

}  // namespace prose::agents

// PC5 emulation frames (docs/agents.md): 24-bit layer-2 source ID, 24-bit layer-2 destination ID, then the PDCP
// PDU. Discovery (Model A announcement, Model B solicitation / response, unprotected until issue 9) is carried
// in frames addressed to the broadcast L2 ID with a one-octet discovery type and the 24-bit Relay Service Code.
// Header-only parts (constants, discovery_name) are also used by the Wireshark plugin's dissector (prose/dissect).
#pragma once
#include <cstdint>
#include <optional>

#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose::agents {

inline constexpr std::uint32_t kBroadcastL2Id = 0xffffff;  // provisional: emulation only
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

enum class DiscoveryType : std::uint8_t {
  kAnnouncement = 1,  // Model A: relay -> all
  kSolicitation = 2,  // Model B: Remote UE -> all
  kResponse = 3,      // Model B: relay -> soliciting UE
};
inline constexpr std::size_t kDiscoverySize = 4;

struct Discovery {
  DiscoveryType type = DiscoveryType::kAnnouncement;
  std::uint32_t relay_service_code = 0;  // 24 bit
};
Result<Bytes> encode_discovery(const Discovery& d);
// The PDU of a broadcast frame: exactly 4 octets, a known type.
Result<Discovery> decode_discovery(ByteView b);
constexpr const char* discovery_name(DiscoveryType t) {
  switch (t) {
    case DiscoveryType::kAnnouncement:
      return "Discovery Announcement (Model A)";
    case DiscoveryType::kSolicitation:
      return "Discovery Solicitation (Model B)";
    case DiscoveryType::kResponse:
      return "Discovery Response (Model B)";
  }
  return "?";
}

}  // namespace prose::agents

// The emulation's unprotected relay discovery (docs/agents.md: agents without a ProSe Function): a one-octet
// discovery type and the 24-bit Relay Service Code, carried in PC5 emulation frames (prose/agents/frame.h)
// addressed to the broadcast layer-2 ID. Header-only parts (constants, discovery_name) are also used by the
// Wireshark plugin's dissector (prose/dissect). Protected discovery is messages.h / protection.h.
#pragma once
#include <cstddef>
#include <cstdint>

#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose::discovery {

// The layer-2 ID discovery frames are sent to. Provisional: emulation only.
inline constexpr std::uint32_t kBroadcastL2Id = 0xffffff;

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

}  // namespace prose::discovery

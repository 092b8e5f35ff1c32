// Every DHCPv4 constant the codec, server and client use, each next to its source.
#pragma once

#include <array>
#include <cstdint>

namespace prose::ip::dhcpv4 {

// UDP ports: RFC 2131 4.1 ("DHCP messages from a client to a server are sent to the 'DHCP server' port (67), and
// DHCP messages from a server to a client are sent to the 'DHCP client' port (68)").
inline constexpr std::uint16_t kServerPort = 67;
inline constexpr std::uint16_t kClientPort = 68;

// Fixed header: RFC 2131 2, Figure 1 / Table 1.
inline constexpr std::uint8_t kOpBootRequest = 1;  // op
inline constexpr std::uint8_t kOpBootReply = 2;
inline constexpr std::uint8_t kHtypeEthernet = 1;  // htype: RFC 1700 "Hardware Type" (10 Mb Ethernet)
inline constexpr std::uint8_t kHlenEthernet = 6;
inline constexpr std::uint16_t kFlagBroadcast = 0x8000;  // flags: RFC 2131 2, Figure 2 (B bit)
inline constexpr std::size_t kChaddrSize = 16;
inline constexpr std::size_t kSnameSize = 64;
inline constexpr std::size_t kFileSize = 128;
inline constexpr std::size_t kFixedSize = 236;  // op .. file
// RFC 2131 3 / RFC 2132 2: the options field starts with the magic cookie 99.130.83.99.
inline constexpr std::array<std::uint8_t, 4> kMagicCookie = {99, 130, 83, 99};

// Option codes: RFC 2132.
inline constexpr std::uint8_t kOptionPad = 0;             // 3.1
inline constexpr std::uint8_t kOptionSubnetMask = 1;      // 3.3
inline constexpr std::uint8_t kOptionRouter = 3;          // 3.5
inline constexpr std::uint8_t kOptionRequestedIp = 50;    // 9.1
inline constexpr std::uint8_t kOptionLeaseTime = 51;      // 9.2
inline constexpr std::uint8_t kOptionOverload = 52;       // 9.3
inline constexpr std::uint8_t kOptionMessageType = 53;    // 9.6
inline constexpr std::uint8_t kOptionServerId = 54;       // 9.7
inline constexpr std::uint8_t kOptionParameterList = 55;  // 9.8
inline constexpr std::uint8_t kOptionMessage = 56;        // 9.9
inline constexpr std::uint8_t kOptionEnd = 255;           // 3.2

// Lease renewal, RFC 2131 4.4.5: T1 = 0.5 x the lease time, T2 = 0.875 x it (as fractions in eighths: the server
// sends no options 58/59), and a DHCPREQUEST not answered in RENEWING / REBINDING is sent again after half the time
// left until T2 / the lease's end, but no sooner than 60 s.
inline constexpr std::uint32_t kT1Eighths = 4;
inline constexpr std::uint32_t kT2Eighths = 7;
inline constexpr std::uint32_t kMinRetransmitSeconds = 60;
inline constexpr std::uint32_t kInfiniteLease = 0xFFFFFFFFu;  // RFC 2131 3.3: never renewed

// DHCP Message Type (option 53) values: RFC 2132 9.6.
enum class MessageType : std::uint8_t {
  kDiscover = 1,
  kOffer = 2,
  kRequest = 3,
  kDecline = 4,
  kAck = 5,
  kNak = 6,
  kRelease = 7,
  kInform = 8,
};

}  // namespace prose::ip::dhcpv4

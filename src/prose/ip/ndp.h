// IPv6 router discovery (RFC 4861 4.1, 4.2, 4.6.2, 4.6.4, 6.1): the Router Solicitation a Remote UE sends and the
// Router Advertisement with which the relay, the IPv6 router of its Remote UEs (TS 23.303 5.4.4.2, IP Address Config),
// advertises its /64 on each PC5 link. Whole IPv6 packets (ICMPv6 checksum over the RFC 8200 8.1 pseudo-header),
// built and read through the bounds-checked ByteWriter/ByteReader; a parsed message was validated as RFC 4861 6.1.1
// and 6.1.2 say (hop limit 255, checksum, code 0, length, option lengths not 0; an RA from a link-local source).
#pragma once

#include <cstdint>
#include <optional>

#include "prose/ip/address.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose::ip::ndp {

// ---- Constants: THE router discovery table (docs/conformance/ip.md).
inline constexpr std::uint8_t kTypeRouterSolicitation = 133;   // RFC 4861 4.1
inline constexpr std::uint8_t kTypeRouterAdvertisement = 134;  // RFC 4861 4.2
inline constexpr std::uint8_t kHopLimit = 255;                 // RFC 4861 6.1.1, 6.1.2: sent and required
inline constexpr std::size_t kRsSize = 8;                      // RFC 4861 4.1: type, code, checksum, reserved
inline constexpr std::size_t kRaSize = 16;                     // RFC 4861 4.2: ... reachable time, retrans timer
inline constexpr std::uint8_t kOptionSourceLinkLayer = 1;      // RFC 4861 4.6.1 (skipped: PC5 has none here)
inline constexpr std::uint8_t kOptionPrefixInformation = 3;    // RFC 4861 4.6.2
inline constexpr std::uint8_t kOptionMtu = 5;                  // RFC 4861 4.6.4
inline constexpr std::uint8_t kPrefixInformationLength = 4;    // RFC 4861 4.6.2: in units of 8 octets
inline constexpr std::uint8_t kMtuLength = 1;                  // RFC 4861 4.6.4
inline constexpr std::uint8_t kPrefixFlagOnLink = 0x80;        // RFC 4861 4.6.2: L
inline constexpr std::uint8_t kPrefixFlagAutonomous = 0x40;    // RFC 4861 4.6.2: A
inline constexpr std::uint8_t kRaFlagManaged = 0x80;           // RFC 4861 4.2: M
inline constexpr std::uint8_t kRaFlagOther = 0x40;             // RFC 4861 4.2: O
// The relay's values: the RFC 4861 6.2.1 defaults.
inline constexpr std::uint8_t kAdvCurHopLimit = 64;             // RFC 4861 6.2.1 (IANA's default TTL)
inline constexpr std::uint16_t kAdvDefaultLifetime = 1800;      // RFC 4861 6.2.1: 3 * MaxRtrAdvInterval (600 s)
inline constexpr std::uint32_t kAdvValidLifetime = 2592000;     // RFC 4861 6.2.1: 30 days
inline constexpr std::uint32_t kAdvPreferredLifetime = 604800;  // RFC 4861 6.2.1: 7 days
// Destinations (RFC 4291 2.7.1): all-nodes ff02::1 (an unsolicited RA, the answer to an RS from ::), all-routers
// ff02::2 (an RS).
Ipv6Address all_nodes();
Ipv6Address all_routers();
// The relay's link-local address on every PC5 link (RFC 4861 6.1.2: an RA comes from one): fe80::1 [project choice].
Ipv6Address relay_link_local();
// fe80:: + the interface identifier of the layer-2 ID (the Remote UE's link-local source of an RS).
Ipv6Address link_local_for(std::uint32_t l2_id);

struct PrefixInformation {
  Ipv6Prefix prefix;  // length 64 for SLAAC
  bool on_link = true;
  bool autonomous = true;
  std::uint32_t valid_lifetime = kAdvValidLifetime;
  std::uint32_t preferred_lifetime = kAdvPreferredLifetime;
  bool operator==(const PrefixInformation&) const = default;
};

struct RouterAdvertisement {
  std::uint8_t cur_hop_limit = kAdvCurHopLimit;
  bool managed = false;  // M: addresses by DHCPv6
  bool other = false;    // O: other configuration by DHCPv6
  std::uint16_t router_lifetime = kAdvDefaultLifetime;
  std::uint32_t reachable_time = 0;  // 0: unspecified
  std::uint32_t retrans_timer = 0;
  std::optional<PrefixInformation> prefix;  // the first prefix information option (the relay sends one)
  std::optional<std::uint32_t> mtu;
  bool operator==(const RouterAdvertisement&) const = default;
};

// An RA from `source` (link-local) to `destination`, options in the order prefix information, MTU.
Result<Bytes> encode_router_advertisement(const Ipv6Address& source, const Ipv6Address& destination,
                                          const RouterAdvertisement& ra);
// An RS from `source` (link-local, or :: before the UE has an address) to all-routers, without options.
Result<Bytes> encode_router_solicitation(const Ipv6Address& source);

// The packet's ICMPv6 type when it is an IPv6 packet whose next header is ICMPv6 (no extension headers), else
// nullopt: a cheap test before the parsers.
std::optional<std::uint8_t> icmpv6_type(ByteView packet);
// kMalformed (with the field) when the packet is no valid RA / RS; unknown options are skipped (RFC 4861 4.6).
Result<RouterAdvertisement> parse_router_advertisement(ByteView packet);
Status parse_router_solicitation(ByteView packet);

// The address a Remote UE forms from an advertised /64 and its layer-2 ID: prefix + the interface identifier
// (address_pool.h, Ipv6Plan::address_for). kInvalidArgument unless the prefix is a /64.
Result<Ipv6Address> slaac_address(const Ipv6Prefix& prefix, std::uint32_t l2_id);

}  // namespace prose::ip::ndp

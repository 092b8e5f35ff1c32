// The relay's routing decision for one IP packet, without I/O (TS 23.303 5.4.4: the UE-to-Network relay forwards
// IP traffic between its Remote UEs' PC5 links and the network).
//  * Uplink (an IP SDU from the PC5 link with layer-2 ID L): forwarded to the network only when its source address
//    is the one assigned to L (anti-spoofing). DHCPv4 to the server port (source 0.0.0.0 or L's address) and IPv6
//    packets to a link-local or link-scope multicast destination stay with the relay (its DHCPv4 server, IPv6
//    router). Anything else is dropped, with the reason.
//  * Downlink (a packet from the network side): to the link whose assigned address is the destination, or dropped.
// Either address family the relay does not offer (its IP Address Config) is dropped.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "prose/ids/ids.h"
#include "prose/ip/address_pool.h"
#include "prose/util/bytes.h"

namespace prose::ip {

enum class RouteAction {
  kToNetwork,  // uplink: hand to the network side (TUN)
  kToLink,     // downlink: send on `link`
  kToRelay,    // for the relay itself (DHCPv4 server, IPv6 router)
  kDrop,
};

enum class DropReason {
  kNone,
  kMalformed,           // not a well-formed IPv4/IPv6 packet (packet.h)
  kFamilyNotOffered,    // IPv4 without a pool / IPv6 without a prefix
  kNoAddressAssigned,   // uplink from a link that has no address of that family
  kSpoofedSource,       // uplink source is not the link's address
  kUnknownDestination,  // downlink destination is no attached Remote UE's address
};

std::string_view drop_reason_name(DropReason r);

struct RouteDecision {
  RouteAction action = RouteAction::kDrop;
  std::optional<Layer2Id> link;  // kToLink: the link; uplink decisions: the link it came from
  DropReason reason = DropReason::kNone;
  std::string detail;  // for kDrop: a sentence for the trace

  bool forwarded() const { return action == RouteAction::kToNetwork || action == RouteAction::kToLink; }
};

class Router {
 public:
  // Either may be null (the relay does not offer that family); both must outlive the router.
  Router(const Ipv4Pool* ipv4, const Ipv6Plan* ipv6) : ipv4_(ipv4), ipv6_(ipv6) {}

  RouteDecision uplink(Layer2Id from, ByteView packet) const;
  RouteDecision downlink(ByteView packet) const;

 private:
  const Ipv4Pool* ipv4_;
  const Ipv6Plan* ipv6_;
};

}  // namespace prose::ip

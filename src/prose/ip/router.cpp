#include "prose/ip/router.h"

#include <variant>

#include "prose/ip/dhcpv4_constants.h"
#include "prose/ip/packet.h"
#include "prose/ip/udp.h"

namespace prose::ip {
namespace {

RouteDecision drop(std::optional<Layer2Id> link, DropReason reason, std::string detail) {
  return RouteDecision{RouteAction::kDrop, link, reason, std::move(detail)};
}

bool is_dhcp_to_server(const Ipv4Packet& p) {
  if (p.header.protocol != kProtocolUdp) return false;
  auto udp = parse_ipv4_udp(p);
  return udp.ok() && udp->destination_port == dhcpv4::kServerPort;
}

}  // namespace

std::string_view drop_reason_name(DropReason r) {
  switch (r) {
    case DropReason::kNone:
      return "none";
    case DropReason::kMalformed:
      return "malformed";
    case DropReason::kFamilyNotOffered:
      return "family-not-offered";
    case DropReason::kNoAddressAssigned:
      return "no-address-assigned";
    case DropReason::kSpoofedSource:
      return "spoofed-source";
    case DropReason::kUnknownDestination:
      return "unknown-destination";
  }
  return "?";
}

RouteDecision Router::uplink(Layer2Id from, ByteView packet) const {
  auto parsed = parse_ip(packet);
  if (!parsed.ok()) return drop(from, DropReason::kMalformed, parsed.error().to_string());
  if (const auto* v4 = std::get_if<Ipv4Packet>(&*parsed)) {
    if (ipv4_ == nullptr) return drop(from, DropReason::kFamilyNotOffered, "IPv4 packet, but the relay offers no IPv4");
    auto assigned = ipv4_->address_of(from);
    const Ipv4Address src = v4->header.source;
    if ((src.is_unspecified() || (assigned && src == *assigned)) && is_dhcp_to_server(*v4) &&
        (v4->header.destination.is_limited_broadcast() || v4->header.destination == ipv4_->relay_address())) {
      return RouteDecision{RouteAction::kToRelay, from};
    }
    if (!assigned) {
      return drop(from, DropReason::kNoAddressAssigned,
                  "IPv4 from " + src.to_string() + " on link " + from.hex() + ", which has no IPv4 address");
    }
    if (src != *assigned) {
      return drop(from, DropReason::kSpoofedSource,
                  "IPv4 source " + src.to_string() + " is not link " + from.hex() + "'s " + assigned->to_string());
    }
    return RouteDecision{RouteAction::kToNetwork, from};
  }
  const auto& v6 = std::get<Ipv6Packet>(*parsed);
  if (ipv6_ == nullptr) return drop(from, DropReason::kFamilyNotOffered, "IPv6 packet, but the relay offers no IPv6");
  const Ipv6Address& dst = v6.header.destination;
  if (dst.is_link_local() || (dst.is_multicast() && (dst.octets[1] & 0x0F) <= 2)) {
    return RouteDecision{RouteAction::kToRelay, from};  // neighbour / router discovery, link-scope traffic
  }
  if (!ipv6_->attached(from)) {
    return drop(from, DropReason::kNoAddressAssigned, "IPv6 on link " + from.hex() + ", which is not attached");
  }
  if (v6.header.source != ipv6_->address_for(from)) {
    return drop(from, DropReason::kSpoofedSource,
                "IPv6 source " + v6.header.source.to_string() + " is not link " + from.hex() + "'s " +
                    ipv6_->address_for(from).to_string());
  }
  return RouteDecision{RouteAction::kToNetwork, from};
}

RouteDecision Router::downlink(ByteView packet) const {
  auto parsed = parse_ip(packet);
  if (!parsed.ok()) return drop(std::nullopt, DropReason::kMalformed, parsed.error().to_string());
  if (const auto* v4 = std::get_if<Ipv4Packet>(&*parsed)) {
    if (ipv4_ == nullptr) {
      return drop(std::nullopt, DropReason::kFamilyNotOffered, "IPv4 packet, but the relay offers no IPv4");
    }
    if (auto link = ipv4_->link_of(v4->header.destination)) return RouteDecision{RouteAction::kToLink, link};
    return drop(std::nullopt, DropReason::kUnknownDestination,
                "IPv4 destination " + v4->header.destination.to_string() + " is no Remote UE's address");
  }
  const auto& v6 = std::get<Ipv6Packet>(*parsed);
  if (ipv6_ == nullptr) {
    return drop(std::nullopt, DropReason::kFamilyNotOffered, "IPv6 packet, but the relay offers no IPv6");
  }
  if (auto link = ipv6_->link_of(v6.header.destination)) return RouteDecision{RouteAction::kToLink, link};
  return drop(std::nullopt, DropReason::kUnknownDestination,
              "IPv6 destination " + v6.header.destination.to_string() + " is no attached Remote UE's address");
}

}  // namespace prose::ip

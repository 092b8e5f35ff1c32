#include "prose/ip/address_pool.h"

namespace prose::ip {

Result<Ipv4Pool> Ipv4Pool::create(Ipv4Prefix prefix) {
  if (prefix.length > 30) {
    return fail(Errc::kInvalidArgument, "IPv4 pool " + prefix.to_string() +
                                            " is too small: it needs a relay and a Remote UE address (/30 or larger)");
  }
  return Ipv4Pool(prefix);
}

std::size_t Ipv4Pool::capacity() const {
  // Hosts minus the network, broadcast and relay addresses.
  return (std::size_t{1} << (32 - prefix_.length)) - 3;
}

Result<Ipv4Address> Ipv4Pool::allocate(Layer2Id link) {
  if (auto it = by_link_.find(link); it != by_link_.end()) return it->second;
  const std::uint32_t first = prefix_.network.value() + 2;
  const std::uint32_t last = prefix_.broadcast().value() - 1;
  // The map is ordered: walk it alongside the candidates to find the lowest gap.
  std::uint32_t candidate = first;
  for (auto it = by_address_.lower_bound(Ipv4Address::from_value(first)); it != by_address_.end(); ++it) {
    if (it->first.value() != candidate) break;
    ++candidate;
  }
  if (candidate > last) {
    return fail(Errc::kConflict, "IPv4 pool " + prefix_.to_string() + " exhausted: all " + std::to_string(capacity()) +
                                     " Remote UE addresses are in use");
  }
  Ipv4Address a = Ipv4Address::from_value(candidate);
  by_link_[link] = a;
  by_address_[a] = link;
  return a;
}

Status Ipv4Pool::release(Layer2Id link) {
  auto it = by_link_.find(link);
  if (it == by_link_.end()) return fail(Errc::kNotFound, "link " + link.hex() + " has no IPv4 address to release");
  by_address_.erase(it->second);
  by_link_.erase(it);
  return ok_status();
}

std::optional<Ipv4Address> Ipv4Pool::address_of(Layer2Id link) const {
  auto it = by_link_.find(link);
  if (it == by_link_.end()) return std::nullopt;
  return it->second;
}

std::optional<Layer2Id> Ipv4Pool::link_of(Ipv4Address address) const {
  auto it = by_address_.find(address);
  if (it == by_address_.end()) return std::nullopt;
  return it->second;
}

std::array<std::uint8_t, 6> link_mac(Layer2Id link) {
  return {0x02,
          0x00,
          0x00,
          static_cast<std::uint8_t>(link.value >> 16),
          static_cast<std::uint8_t>(link.value >> 8),
          static_cast<std::uint8_t>(link.value)};
}

std::array<std::uint8_t, 8> interface_identifier(Layer2Id link) {
  auto mac = link_mac(link);
  // Modified EUI-64: insert ff:fe in the middle and invert the universal/local bit (RFC 4291 appendix A).
  return {static_cast<std::uint8_t>(mac[0] ^ 0x02), mac[1], mac[2], 0xFF, 0xFE, mac[3], mac[4], mac[5]};
}

Result<Ipv6Plan> Ipv6Plan::create(Ipv6Prefix prefix) {
  if (prefix.length != 64) {
    return fail(Errc::kInvalidArgument, "IPv6 prefix " + prefix.to_string() + " is not a /64 (TS 23.303 5.4.4.2)");
  }
  return Ipv6Plan(prefix);
}

Ipv6Address Ipv6Plan::relay_address() const {
  Ipv6Address a = prefix_.network;
  a.octets[15] = 1;
  return a;
}

Ipv6Address Ipv6Plan::address_for(Layer2Id link) const {
  Ipv6Address a = prefix_.network;
  auto iid = interface_identifier(link);
  std::copy(iid.begin(), iid.end(), a.octets.begin() + 8);
  return a;
}

Ipv6Address Ipv6Plan::attach(Layer2Id link) {
  links_.insert(link);
  return address_for(link);
}

Status Ipv6Plan::detach(Layer2Id link) {
  if (links_.erase(link) == 0) return fail(Errc::kNotFound, "link " + link.hex() + " is not attached (IPv6)");
  return ok_status();
}

std::optional<Layer2Id> Ipv6Plan::link_of(const Ipv6Address& address) const {
  if (!prefix_.contains(address)) return std::nullopt;
  const auto& o = address.octets;
  if (o[8] != 0x00 || o[9] != 0x00 || o[10] != 0x00 || o[11] != 0xFF || o[12] != 0xFE) return std::nullopt;
  Layer2Id link{(std::uint32_t{o[13]} << 16) | (std::uint32_t{o[14]} << 8) | o[15]};
  if (!attached(link)) return std::nullopt;
  return link;
}

}  // namespace prose::ip

// The addresses a UE-to-Network relay hands its Remote UEs (TS 23.303 5.4.4.2, TS 24.334 IP Address Config: the
// relay acts as DHCPv4 server and/or IPv6 router), keyed by the layer-2 ID of the PC5 link each Remote UE is on.
//
// IPv4: the relay owns one CIDR (e.g. 10.45.0.0/24). The relay takes the first host address (10.45.0.1); each Remote
// UE gets the lowest free host address after it; a released address is free again (and, being lowest, reused
// first). Network and broadcast addresses are never handed out. A link asking again gets the address it has.
//
// IPv6: the relay owns one /64 prefix; it is prefix::1. A Remote UE's address is the prefix plus a fixed interface
// identifier derived from its link's layer-2 ID: the modified EUI-64 (RFC 4291 2.5.1, appendix A) of the locally
// administered MAC 02:00:00:LL:LL:LL, i.e. ::ff:feLL:LLLL. The choice makes the address a function of the link
// (the relay routes by it without a table lookup that can go stale, and the Remote UE can form the same address from
// the prefix it is advertised and its own layer-2 ID), it cannot collide with the relay's ::1 (ff:fe marker), and it
// is the address SLAAC would form on an interface with that MAC. The plan still records which links are attached, so
// that only attached links' addresses are routed.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <set>

#include "prose/ids/ids.h"
#include "prose/ip/address.h"
#include "prose/util/result.h"

namespace prose::ip {

using ids::Layer2Id;

class Ipv4Pool {
 public:
  // The prefix must leave room for the relay and at least one Remote UE (length <= 30).
  static Result<Ipv4Pool> create(Ipv4Prefix prefix);

  const Ipv4Prefix& prefix() const { return prefix_; }
  Ipv4Address relay_address() const { return Ipv4Address::from_value(prefix_.network.value() + 1); }
  Ipv4Address netmask() const { return prefix_.netmask(); }
  std::size_t capacity() const;  // addresses for Remote UEs
  std::size_t in_use() const { return by_link_.size(); }

  // The link's address: the one it has, or the lowest free one; kConflict ("pool exhausted") when none is free.
  Result<Ipv4Address> allocate(Layer2Id link);
  // kNotFound when the link has no address.
  Status release(Layer2Id link);
  std::optional<Ipv4Address> address_of(Layer2Id link) const;
  std::optional<Layer2Id> link_of(Ipv4Address address) const;

 private:
  explicit Ipv4Pool(Ipv4Prefix prefix) : prefix_(prefix) {}
  Ipv4Prefix prefix_;
  std::map<Layer2Id, Ipv4Address> by_link_;
  std::map<Ipv4Address, Layer2Id> by_address_;
};

class Ipv6Plan {
 public:
  // The prefix must be a /64.
  static Result<Ipv6Plan> create(Ipv6Prefix prefix);

  const Ipv6Prefix& prefix() const { return prefix_; }
  Ipv6Address relay_address() const;
  // prefix + the interface identifier of `link` (header comment); pure, whether or not the link is attached.
  Ipv6Address address_for(Layer2Id link) const;

  // Records the link as attached and returns its address.
  Ipv6Address attach(Layer2Id link);
  Status detach(Layer2Id link);  // kNotFound when not attached
  bool attached(Layer2Id link) const { return links_.count(link) != 0; }
  // The attached link whose address this is.
  std::optional<Layer2Id> link_of(const Ipv6Address& address) const;

 private:
  explicit Ipv6Plan(Ipv6Prefix prefix) : prefix_(prefix) {}
  Ipv6Prefix prefix_;
  std::set<Layer2Id> links_;
};

// The interface identifier of a link (the low 64 bits of its address), exposed for tests and the Remote UE side.
std::array<std::uint8_t, 8> interface_identifier(Layer2Id link);
// The locally administered MAC 02:00:00:LL:LL:LL the identifier and the DHCPv4 chaddr are derived from.
std::array<std::uint8_t, 6> link_mac(Layer2Id link);

}  // namespace prose::ip

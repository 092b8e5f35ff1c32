// The relay's IP plane (docs/ip.md, TS 23.303 5.4.4): the IPv4 pool its Remote UEs' addresses come from, the
// router's uplink/downlink decisions, the DHCPv4 server and, with an IPv6 /64, the IPv6 router (Router
// Advertisements, RFC 4861), keyed by the PC5 link's layer-2 ID. Sans I/O: the
// relay service feeds it the IP SDUs of its links and the packets from the network side (the agent's TUN) and
// carries out what it returns.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "prose/ip/address.h"
#include "prose/ip/address_pool.h"
#include "prose/ip/dhcpv4_server.h"
#include "prose/ip/router.h"
#include "prose/pc5/constants.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose::service {

struct RelayIpConfig {
  ip::Ipv4Prefix ipv4_pool;  // the relay takes its first host address, the Remote UEs the others
  std::uint32_t lease_seconds = 3600;
  // IPv6 (optional): the /64 the relay advertises on every link (prefix::1 is the relay's, Ipv6Plan), and the link
  // MTU its Router Advertisements carry (0: no MTU option).
  std::optional<ip::Ipv6Prefix> ipv6_prefix;
  std::uint32_t link_mtu = 0;
};

class RelayIp {
 public:
  // kInvalidArgument when the pool leaves no room for the relay and a Remote UE.
  static Result<std::unique_ptr<RelayIp>> create(const RelayIpConfig& cfg);

  // What becomes of an IP SDU from a link: exactly one of the three is set.
  struct Uplink {
    bool to_network = false;     // the SDU goes to the network side as it is
    std::optional<Bytes> reply;  // the relay answered (DHCPv4, RA): this packet goes back on the same link
    std::string dropped;         // "<reason>: <sentence>" for the trace; also a DHCP request without an answer
  };
  Uplink uplink(std::uint32_t l2, ByteView packet);
  // A packet from the network side: the link it goes to, or the drop reason in `detail`.
  ip::RouteDecision downlink(ByteView packet) const { return router_.downlink(packet); }
  // The link is secured (its DCA sent): with IPv6, the link is attached to the /64 and this unsolicited Router
  // Advertisement goes on it (RFC 4861 6.2.4: one when an interface becomes an advertising interface).
  std::optional<Bytes> link_up(std::uint32_t l2);
  // The link ended: its addresses go back to the pool / the plan.
  void link_ended(std::uint32_t l2);

  // The DCA's IP Address Config: the relay is a DHCPv4 server, and an IPv6 router with a /64.
  pc5::IpAddressConfig address_config() const;
  // The Router Advertisement for one link (to all-nodes, from the relay's link-local address); nullopt without IPv6.
  std::optional<Bytes> router_advertisement() const;
  const ip::Ipv6Plan* ipv6() const { return plan_.get(); }
  ip::Ipv4Address relay_address() const { return pool_->relay_address(); }
  const ip::Ipv4Pool& pool() const { return *pool_; }

 private:
  RelayIp(std::unique_ptr<ip::Ipv4Pool> pool, std::unique_ptr<ip::Ipv6Plan> plan, const RelayIpConfig& cfg)
      : pool_(std::move(pool)),
        plan_(std::move(plan)),
        router_(pool_.get(), plan_.get()),
        dhcp_(*pool_, cfg.lease_seconds),
        link_mtu_(cfg.link_mtu) {}
  std::optional<Bytes> answer_ipv6(ByteView packet, std::string& dropped) const;
  std::unique_ptr<ip::Ipv4Pool> pool_;  // the router and the server hold on to it
  std::unique_ptr<ip::Ipv6Plan> plan_;  // null without IPv6; the router holds on to it
  ip::Router router_;
  ip::dhcpv4::Server dhcp_;
  std::uint32_t link_mtu_ = 0;
};

}  // namespace prose::service

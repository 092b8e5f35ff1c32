// The relay's IP plane (docs/ip.md, TS 23.303 5.4.4): the IPv4 pool its Remote UEs' addresses come from, the
// router's uplink/downlink decisions and the DHCPv4 server, keyed by the PC5 link's layer-2 ID. Sans I/O: the
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
};

class RelayIp {
 public:
  // kInvalidArgument when the pool leaves no room for the relay and a Remote UE.
  static Result<std::unique_ptr<RelayIp>> create(const RelayIpConfig& cfg);

  // What becomes of an IP SDU from a link: exactly one of the three is set.
  struct Uplink {
    bool to_network = false;     // the SDU goes to the network side as it is
    std::optional<Bytes> reply;  // the relay answered (DHCPv4): this packet goes back on the same link
    std::string dropped;         // "<reason>: <sentence>" for the trace; also a DHCP request without an answer
  };
  Uplink uplink(std::uint32_t l2, ByteView packet);
  // A packet from the network side: the link it goes to, or the drop reason in `detail`.
  ip::RouteDecision downlink(ByteView packet) const { return router_.downlink(packet); }
  // The link ended: its address goes back to the pool.
  void link_ended(std::uint32_t l2) { dhcp_.link_ended(ids::Layer2Id{l2}); }

  // The DCA's IP Address Config: the relay is a DHCPv4 server.
  pc5::IpAddressConfig address_config() const;
  ip::Ipv4Address relay_address() const { return pool_->relay_address(); }
  const ip::Ipv4Pool& pool() const { return *pool_; }

 private:
  explicit RelayIp(std::unique_ptr<ip::Ipv4Pool> pool, std::uint32_t lease_seconds)
      : pool_(std::move(pool)), router_(pool_.get(), nullptr), dhcp_(*pool_, lease_seconds) {}
  std::unique_ptr<ip::Ipv4Pool> pool_;  // the router and the server hold on to it
  ip::Router router_;
  ip::dhcpv4::Server dhcp_;
};

}  // namespace prose::service

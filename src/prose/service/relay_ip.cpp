#include "prose/service/relay_ip.h"

#include <utility>

#include "prose/ip/address_config.h"

namespace prose::service {

Result<std::unique_ptr<RelayIp>> RelayIp::create(const RelayIpConfig& cfg) {
  PROSE_TRY(ip::Ipv4Pool pool, ip::Ipv4Pool::create(cfg.ipv4_pool));
  return std::unique_ptr<RelayIp>(new RelayIp(std::make_unique<ip::Ipv4Pool>(std::move(pool)), cfg.lease_seconds));
}

pc5::IpAddressConfig RelayIp::address_config() const { return ip::ip_address_config_for(ip::Families{true, false}); }

RelayIp::Uplink RelayIp::uplink(std::uint32_t l2, ByteView packet) {
  Uplink u;
  const ids::Layer2Id link{l2};
  ip::RouteDecision d = router_.uplink(link, packet);
  switch (d.action) {
    case ip::RouteAction::kToNetwork:
      u.to_network = true;
      return u;
    case ip::RouteAction::kToRelay: {
      auto r = dhcp_.handle_packet(link, packet);
      if (!r.ok()) {
        u.dropped = "dhcp: " + r.error().to_string();
      } else if (*r) {
        u.reply = std::move(**r);
      } else {
        u.dropped = "dhcp: no answer due";
      }
      return u;
    }
    case ip::RouteAction::kToLink:
    case ip::RouteAction::kDrop:
      break;
  }
  u.dropped = std::string(ip::drop_reason_name(d.reason)) + ": " + d.detail;
  return u;
}

}  // namespace prose::service

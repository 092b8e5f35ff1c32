#include "prose/service/relay_ip.h"

#include <utility>

#include "prose/ip/address_config.h"
#include "prose/ip/ndp.h"
#include "prose/ip/packet.h"

namespace prose::service {

Result<std::unique_ptr<RelayIp>> RelayIp::create(const RelayIpConfig& cfg) {
  PROSE_TRY(ip::Ipv4Pool pool, ip::Ipv4Pool::create(cfg.ipv4_pool));
  std::unique_ptr<ip::Ipv6Plan> plan;
  if (cfg.ipv6_prefix) {
    PROSE_TRY(ip::Ipv6Plan p, ip::Ipv6Plan::create(*cfg.ipv6_prefix));
    plan = std::make_unique<ip::Ipv6Plan>(std::move(p));
  }
  return std::unique_ptr<RelayIp>(new RelayIp(std::make_unique<ip::Ipv4Pool>(std::move(pool)), std::move(plan), cfg));
}

pc5::IpAddressConfig RelayIp::address_config() const {
  return ip::ip_address_config_for(ip::Families{true, plan_ != nullptr});
}

std::optional<Bytes> RelayIp::router_advertisement() const {
  if (!plan_) return std::nullopt;
  ip::ndp::RouterAdvertisement ra;
  ra.prefix = ip::ndp::PrefixInformation{plan_->prefix()};
  if (link_mtu_ != 0) ra.mtu = link_mtu_;
  auto p = ip::ndp::encode_router_advertisement(ip::ndp::relay_link_local(), ip::ndp::all_nodes(), ra);
  return p.ok() ? std::optional<Bytes>(std::move(*p)) : std::nullopt;
}

std::optional<Bytes> RelayIp::link_up(std::uint32_t l2) {
  if (!plan_) return std::nullopt;
  plan_->attach(ids::Layer2Id{l2});
  return router_advertisement();
}

void RelayIp::link_ended(std::uint32_t l2) {
  dhcp_.link_ended(ids::Layer2Id{l2});
  if (plan_) (void)plan_->detach(ids::Layer2Id{l2});
}

// IPv6 link-scope traffic for the relay: a Router Solicitation is answered with a Router Advertisement to
// all-nodes (RFC 4861 6.2.6); the rest (MLD reports, neighbour discovery of the Remote UE's kernel) is not served
// on a PC5 link, whose peer is known by its layer-2 ID.
std::optional<Bytes> RelayIp::answer_ipv6(ByteView packet, std::string& dropped) const {
  const auto type = ip::ndp::icmpv6_type(packet);
  if (type == ip::ndp::kTypeRouterSolicitation) {
    if (Status st = ip::ndp::parse_router_solicitation(packet); !st.ok()) {
      dropped = "ndp: " + st.error().to_string();
      return std::nullopt;
    }
    return router_advertisement();
  }
  dropped = "ipv6-link-scope: " + (type ? "ICMPv6 type " + std::to_string(*type) : std::string("not ICMPv6")) +
            ", not served";
  return std::nullopt;
}

RelayIp::Uplink RelayIp::uplink(std::uint32_t l2, ByteView packet) {
  Uplink u;
  const ids::Layer2Id link{l2};
  ip::RouteDecision d = router_.uplink(link, packet);
  switch (d.action) {
    case ip::RouteAction::kToNetwork:
      u.to_network = true;
      return u;
    case ip::RouteAction::kToRelay: {
      if (auto v = ip::ip_version(packet); v.ok() && *v == 6) {
        u.reply = answer_ipv6(packet, u.dropped);
        return u;
      }
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

#include "prose/agents/tun.h"

#include "prose/agents/config_ip.h"
#include "prose/agents/netns.h"

namespace prose::agents {

Result<std::unique_ptr<ip_tun::TunDevice>> open_tun(const IpAgentConfig& c) {
  std::unique_ptr<ip_tun::TunDevice> tun;
  PROSE_TRY_STATUS(in_netns(c.netns, [&]() -> Status {
    PROSE_TRY(ip_tun::TunDevice d, ip_tun::TunDevice::open(c.tun));
    tun = std::make_unique<ip_tun::TunDevice>(std::move(d));
    PROSE_TRY_STATUS(tun->set_mtu(static_cast<int>(c.mtu - kIpSduOverhead)));
    return tun->set_up();
  }));
  return tun;
}

Status set_tun_ipv4(ip_tun::TunDevice& tun, const IpAgentConfig& c, ip::Ipv4Address address,
                    std::uint8_t prefix_length) {
  return in_netns(c.netns, [&] { return tun.set_ipv4(address, prefix_length); });
}

Result<std::string> set_tun_default_route(ip_tun::TunDevice& tun, const IpAgentConfig& c, ip::Ipv4Address router) {
  const std::string where = c.netns.empty() ? "" : " in netns " + c.netns;
  if (c.default_route == "none") return std::string("no default route (ip.default_route = \"none\")");
  bool added = false;
  PROSE_TRY_STATUS(in_netns(c.netns, [&]() -> Status {
    PROSE_TRY(added, tun.add_ipv4_default_route(router, c.default_route == "replace"));
    return {};
  }));
  if (!added)
    return std::string("default route kept: the namespace" + where +
                       " already has one (ip.default_route = \"replace\" would replace it)");
  return "default route via " + router.to_string() + " dev " + tun.name() + where;
}

Result<std::string> set_tun_ipv6_default_route(ip_tun::TunDevice& tun, const IpAgentConfig& c) {
  const std::string where = c.netns.empty() ? "" : " in netns " + c.netns;
  if (c.default_route == "none") return std::string("no IPv6 default route (ip.default_route = \"none\")");
  bool added = false;
  PROSE_TRY_STATUS(in_netns(c.netns, [&]() -> Status {
    PROSE_TRY(added, tun.add_ipv6_default_route(c.default_route == "replace"));
    return {};
  }));
  if (!added)
    return std::string("IPv6 default route kept: the namespace" + where +
                       " already has one (ip.default_route = \"replace\" would replace it)");
  return "IPv6 default route dev " + tun.name() + where;
}

Status set_tun_ipv6(ip_tun::TunDevice& tun, const IpAgentConfig& c, const ip::Ipv6Address& address,
                    std::uint8_t prefix_length) {
  return in_netns(c.netns, [&] { return tun.set_ipv6(address, prefix_length); });
}

}  // namespace prose::agents

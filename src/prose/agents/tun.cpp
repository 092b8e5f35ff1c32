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

Status set_tun_ipv6(ip_tun::TunDevice& tun, const IpAgentConfig& c, const ip::Ipv6Address& address,
                    std::uint8_t prefix_length) {
  return in_netns(c.netns, [&] { return tun.set_ipv6(address, prefix_length); });
}

}  // namespace prose::agents

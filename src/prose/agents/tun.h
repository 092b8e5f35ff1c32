// The agents' TUN device in IP mode (`[ip]`, docs/agents.md "IP mode"): made, given its MTU and address and brought
// up in the configured network namespace; its descriptor joins the agent's event loop.
#pragma once

#include <cstdint>
#include <memory>

#include "prose/agents/agents.h"
#include "prose/ip/address.h"
#include "prose/ip_tun/tun_device.h"
#include "prose/util/result.h"

namespace prose::agents {

// The device `c.tun` in `c.netns`, MTU c.mtu - kIpSduOverhead, up (without an address).
Result<std::unique_ptr<ip_tun::TunDevice>> open_tun(const IpAgentConfig& c);
// Its IPv4 address (the connected route follows).
Status set_tun_ipv4(ip_tun::TunDevice& tun, const IpAgentConfig& c, ip::Ipv4Address address,
                    std::uint8_t prefix_length);
// The default route via `router` through it, as c.default_route says; what was done, for the agent's event line.
Result<std::string> set_tun_default_route(ip_tun::TunDevice& tun, const IpAgentConfig& c, ip::Ipv4Address router);
// The IPv6 default route through it (no gateway: point-to-point), as c.default_route says; what was done.
Result<std::string> set_tun_ipv6_default_route(ip_tun::TunDevice& tun, const IpAgentConfig& c);
// An IPv6 address (the connected route follows).
Status set_tun_ipv6(ip_tun::TunDevice& tun, const IpAgentConfig& c, const ip::Ipv6Address& address,
                    std::uint8_t prefix_length);

}  // namespace prose::agents

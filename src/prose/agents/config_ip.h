// The `[ip]` section of the agents' configuration files (IpAgentConfig in agents.h): its keys for the key tables,
// its loader and its part of the example configurations.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "prose/agents/agents.h"

namespace prose::agents {

// PDCP header and MAC-I: what a protected IP packet gains on PC5 (the TUN MTU is ip.mtu minus this).
inline constexpr std::uint32_t kIpSduOverhead = 9;

std::span<const ConfigKey> relay_ip_keys();
std::span<const ConfigKey> remote_ue_ip_keys();

struct KeyTableReader;
// nullopt without `ip.tun` (every key is still checked); a problem is recorded in `r` as "ip.<key>: <problem>".
std::optional<IpAgentConfig> read_ip_section(KeyTableReader& r, bool relay);

// "[ip]" with every key commented out (IP mode stays off).
std::string ip_example_section(bool relay);

}  // namespace prose::agents

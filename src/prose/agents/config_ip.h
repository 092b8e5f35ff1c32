// The `[ip]` section of the agents' configuration files (IpAgentConfig in agents.h): its keys for the key tables,
// its loader and its part of the example configurations.
#pragma once

#include <toml++/toml.h>

#include <optional>
#include <span>
#include <string>

#include "prose/agents/agents.h"
#include "prose/util/result.h"

namespace prose::agents {

// PDCP header and MAC-I: what a protected IP packet gains on PC5 (the TUN MTU is ip.mtu minus this).
inline constexpr std::uint32_t kIpSduOverhead = 9;

std::span<const ConfigKey> relay_ip_keys();
std::span<const ConfigKey> remote_ue_ip_keys();

// nullopt without `ip.tun` (every key is still checked); kInvalidArgument "<path>: ip.<key>: <problem>".
Result<std::optional<IpAgentConfig>> read_ip_section(const toml::table& root, const std::string& path, bool relay);

// "[ip]" with every key commented out (IP mode stays off).
std::string ip_example_section(bool relay);

}  // namespace prose::agents

#include "prose/agents/config_ip.h"

#include "prose/agents/config_reader.h"
#include "prose/agents/frame.h"
#include "prose/ip/address.h"

namespace prose::agents {
namespace {

constexpr std::int64_t kMaxMtu = static_cast<std::int64_t>(kMaxFrameSize - kFrameHeaderSize);

constexpr ConfigKey kRelayIpKeys[] = {
    {"ip.tun", "string", "", "no (set: IP mode)"},
    {"ip.netns", "string", "", "no"},
    {"ip.ipv4_pool", "string", "\"10.45.0.0/24\"", "no"},
    {"ip.ipv6_prefix", "string", "", "no"},
    {"ip.mtu", "integer", "1500", "no"},
};
constexpr ConfigKey kRemoteUeIpKeys[] = {
    {"ip.tun", "string", "", "no (set: IP mode)"},
    {"ip.netns", "string", "", "no"},
    {"ip.mtu", "integer", "1500", "no"},
    {"ip.default_route", "string", "\"add\"", "no"},
};

}  // namespace

std::span<const ConfigKey> relay_ip_keys() { return kRelayIpKeys; }
std::span<const ConfigKey> remote_ue_ip_keys() { return kRemoteUeIpKeys; }

std::optional<IpAgentConfig> read_ip_section(KeyTableReader& r, bool relay) {
  if (!has_table(r, "ip")) return std::nullopt;
  IpAgentConfig c;
  c.tun = r.str("ip", "tun", "");
  c.netns = r.str("ip", "netns", "");
  if (relay) {
    c.ipv4_pool = r.str("ip", "ipv4_pool", c.ipv4_pool);
    auto p = ip::Ipv4Prefix::parse(c.ipv4_pool);
    if (!p.ok() || p->length > 30) r.bad("ip.ipv4_pool", "must be a network a.b.c.d/n with n <= 30");
    c.ipv6_prefix = r.str("ip", "ipv6_prefix", "");
    if (auto q = ip::Ipv6Prefix::parse(c.ipv6_prefix);
        r.node("ip", "ipv6_prefix") != nullptr && (!q.ok() || q->length != 64))
      r.bad("ip.ipv6_prefix", "must be a /64 network x:x::/64");
  } else {
    c.default_route = r.str("ip", "default_route", c.default_route);
    if (c.default_route != "add" && c.default_route != "replace" && c.default_route != "none")
      r.bad("ip.default_route", "must be \"add\", \"replace\" or \"none\"");
  }
  c.mtu = static_cast<std::uint32_t>(r.num("ip", "mtu", c.mtu, 576 + kIpSduOverhead, kMaxMtu));
  if (r.node("ip", "tun") != nullptr && c.tun.empty()) r.bad("ip.tun", "must not be empty");
  if (c.netns.find('/') != std::string::npos) r.bad("ip.netns", "must be a name, not a path");
  if (c.tun.empty()) return std::nullopt;
  return c;
}

std::string ip_example_section(bool relay) {
  std::string s =
      "\n# IP mode (docs/ip.md): setting tun makes the link carry IP packets between a TUN device and PC5 instead of\n"
      "# UDP datagrams. The TUN MTU is mtu - 9 (PDCP header and MAC-I). netns: the network namespace the TUN is made\n"
      "# in (`ip netns add NAME`); the agent's sockets stay in its own. Needs CAP_NET_ADMIN.\n"
      "[ip]\n";
  if (relay)
    s +=
        "# tun = \"prose-r0\"\n"
        "# netns = \"relay\"\n"
        "# The Remote UEs' addresses (DHCPv4); the relay's TUN takes the first one.\n"
        "# ipv4_pool = \"10.45.0.0/24\"\n"
        "# IPv6 (optional): the /64 advertised to every Remote UE (Router Advertisements); the relay's TUN takes ::1.\n"
        "# ipv6_prefix = \"fd00:45::/64\"\n"
        "# mtu = 1500\n";
  else
    s += "# tun = \"prose-u0\"\n"
         "# netns = \"ue\"\n"
         "# mtu = 1500\n"
         "# The lease's router as the default route through the TUN in netns: add (unless netns has one), replace,\n"
         "# none.\n"
         "# default_route = \"add\"\n";
  return s;
}

}  // namespace prose::agents

#include "prose/ip/address_config.h"

namespace prose::ip {

pc5::IpAddressConfig ip_address_config_for(Families f) {
  if (f.ipv4 && f.ipv6) return pc5::IpAddressConfig::kDhcpv4ServerAndIpv6Router;
  if (f.ipv4) return pc5::IpAddressConfig::kDhcpv4Server;
  if (f.ipv6) return pc5::IpAddressConfig::kIpv6Router;
  return pc5::IpAddressConfig::kAddressAllocationNotSupported;
}

Families families_of(pc5::IpAddressConfig c) {
  switch (c) {
    case pc5::IpAddressConfig::kDhcpv4Server:
      return {true, false};
    case pc5::IpAddressConfig::kIpv6Router:
      return {false, true};
    case pc5::IpAddressConfig::kDhcpv4ServerAndIpv6Router:
      return {true, true};
    case pc5::IpAddressConfig::kAddressAllocationNotSupported:
      return {false, false};
  }
  return {false, false};
}

}  // namespace prose::ip

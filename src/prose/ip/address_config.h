// Which address families a relay serves, as the IP Address Config IE of the PC5 signalling (TS 24.334: the relay
// says in its DCA whether it acts as DHCPv4 server, IPv6 router, both, or neither for the Remote UE; TS 23.303
// 5.4.4.2). The relay derives the value from what it is configured with (an IPv4 pool, an IPv6 prefix); the Remote
// UE reads it to know whether to run its DHCPv4 client and/or take an IPv6 address from the relay's prefix.
#pragma once

#include "prose/pc5/constants.h"

namespace prose::ip {

struct Families {
  bool ipv4 = false;  // the relay is a DHCPv4 server (an Ipv4Pool)
  bool ipv6 = false;  // the relay is an IPv6 router (an Ipv6Plan)
  bool operator==(const Families&) const = default;
};

pc5::IpAddressConfig ip_address_config_for(Families f);
Families families_of(pc5::IpAddressConfig c);

}  // namespace prose::ip

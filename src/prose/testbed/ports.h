// Loopback ports for test beds: a free ephemeral port (the kernel's choice for port 0), and whether a port is in use.
#pragma once

#include <cstdint>

#include "prose/util/result.h"

namespace prose::testbed {

enum class Proto { kTcp, kUdp };

// A port on 127.0.0.1 that was free a moment ago (bound to port 0 and released). Another process may take it before
// the caller does: use it at once.
Result<std::uint16_t> free_port(Proto proto);
// The same, 0 when there is none (for tests: a server configured with port 0 then fails where the port is used).
std::uint16_t free_port_or_zero(Proto proto);

// A TCP connection to 127.0.0.1:port from 127.0.0.<source> (as if from another host on loopback; the local port
// is chosen at connect time, so many sources share none): the socket (close-on-exec), -1 when it could not be made.
int connect_from(int source, std::uint16_t port);

// Does something accept TCP connections on 127.0.0.1:port?
bool tcp_accepting(std::uint16_t port);
// Is 127.0.0.1:port (UDP) bound by some socket (so that binding it here fails with EADDRINUSE)?
bool udp_bound(std::uint16_t port);

}  // namespace prose::testbed

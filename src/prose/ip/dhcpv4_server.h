// The relay's DHCPv4 server (RFC 2131 4.3), sans I/O: one per relay, over its Ipv4Pool. A Remote UE's packet to
// port 67 arrives from a PC5 link (Router says kToRelay); the reply is a complete IPv4/UDP packet to send back on
// that same link. The link's layer-2 ID, not chaddr, identifies the client: the link is authenticated by PC5
// security, chaddr is whatever the client wrote.
//   DISCOVER -> OFFER (the link's address: allocated, or the one it has); kConflict when the pool is exhausted
//   REQUEST  -> ACK when the requested address (option 50, else ciaddr) is the link's, else NAK; a REQUEST naming
//               another server is ignored and releases an address only offered
//   RELEASE  -> the link's address is freed; DECLINE too; INFORM and replies are ignored
// Replies go from the relay's address:67 to 255.255.255.255:68 (RFC 2131 4.1: the client has no address yet; on a
// point-to-point PC5 link the broadcast reaches exactly that client).
#pragma once

#include <cstdint>
#include <optional>
#include <set>

#include "prose/ids/ids.h"
#include "prose/ip/address_pool.h"
#include "prose/ip/dhcpv4.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose::ip::dhcpv4 {

class Server {
 public:
  // The pool must outlive the server.
  Server(Ipv4Pool& pool, std::uint32_t lease_seconds) : pool_(pool), lease_seconds_(lease_seconds) {}

  // An IPv4 packet from `link` (to UDP port 67). Returns the reply packet, or nullopt when none is due; errors
  // for a packet that is no well-formed DHCP request.
  Result<std::optional<Bytes>> handle_packet(Layer2Id link, ByteView ip_packet);
  // The same on a decoded message: the reply message, or nullopt.
  Result<std::optional<Message>> handle(Layer2Id link, const Message& request);

  // The PC5 link ended: its address goes back to the pool (no DHCPRELEASE will come).
  void link_ended(Layer2Id link);

  Ipv4Address server_id() const { return pool_.relay_address(); }
  std::uint32_t lease_seconds() const { return lease_seconds_; }

 private:
  Message reply_to(const Message& request, MessageType type) const;
  Ipv4Pool& pool_;
  std::uint32_t lease_seconds_;
  std::set<Layer2Id> offered_only_;  // links whose address was offered but not yet acknowledged
};

// The full IPv4/UDP packet a DHCP message travels in, and the message out of such a packet (any ports: callers
// check them).
Result<Bytes> to_packet(const Message& m, Ipv4Address source, std::uint16_t source_port, Ipv4Address destination,
                        std::uint16_t destination_port);
struct Received {
  Message message;
  Ipv4Address source, destination;
  std::uint16_t source_port = 0, destination_port = 0;
};
Result<Received> from_packet(ByteView ip_packet);

}  // namespace prose::ip::dhcpv4

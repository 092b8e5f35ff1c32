// The Remote UE's DHCPv4 client (RFC 2131 4.4), sans I/O, run over its PC5 link to the relay: start() gives the
// DHCPDISCOVER packet (0.0.0.0:68 -> 255.255.255.255:67, broadcast flag set: the UE cannot receive unicast before
// it has an address); handle() takes each IPv4 packet from the link and returns the next packet to send (the
// DHCPREQUEST after a DHCPOFFER); after the DHCPACK lease() holds the address, mask and router to apply. A DHCPNAK
// sends the client back to kInit (call start() again) and is reported as kDenied. Packets that are not DHCP replies
// for this client (other ports, another xid) are ignored: handle() returns nullopt.
// Renewal (RFC 2131 4.4.5) on the caller's monotonic clock `now` (sans I/O): at T1 after the DHCPACK on_time() gives
// a DHCPREQUEST unicast to the server (kRenewing), at T2 one broadcast (kRebinding), sent again as 4.4.5 says; an
// ACK binds the client again with the new lease time, a NAK or the lease's end sends it back to kInit.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>

#include "prose/ip/address.h"
#include "prose/ip/dhcpv4.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose::ip::dhcpv4 {

struct Lease {
  Ipv4Address address;
  Ipv4Address subnet_mask;
  std::uint8_t prefix_length = 0;
  std::optional<Ipv4Address> router;
  Ipv4Address server_id;
  std::uint32_t lease_seconds = 0;
  bool operator==(const Lease&) const = default;
};

class Client {
 public:
  enum class State { kInit, kSelecting, kRequesting, kBound, kRenewing, kRebinding };
  using Millis = std::chrono::milliseconds;  // the caller's monotonic clock

  // `mac` fills chaddr (link_mac() of the UE's layer-2 ID); `xid` is the transaction ID (random in the agent).
  Client(std::array<std::uint8_t, 6> mac, std::uint32_t xid) : mac_(mac), xid_(xid) {}

  Result<Bytes> start();  // -> kSelecting, the DHCPDISCOVER packet
  // `now`: when the packet arrived (a DHCPACK starts the lease's clock then).
  Result<std::optional<Bytes>> handle(ByteView ip_packet, Millis now = Millis{0});
  // When on_time() has work next (T1, a retransmission, T2, the lease's end); nullopt without a lease that ends.
  std::optional<Millis> next_timer() const;
  // The work due at `now`: the DHCPREQUEST to send (renewing, rebinding, again), or nothing; kTimeout when the
  // lease has ended (the client is back in kInit, without a lease).
  Result<std::optional<Bytes>> on_time(Millis now);
  // Bound, renewing or rebinding: the address may be used.
  bool has_lease() const;
  // In kBound: the DHCPRELEASE packet (ciaddr -> server, unicast) and back to kInit.
  Result<Bytes> release();

  State state() const { return state_; }
  const std::optional<Lease>& lease() const { return lease_; }
  std::uint32_t xid() const { return xid_; }

 private:
  Message base(MessageType type) const;
  Result<Bytes> renewal_request(bool broadcast) const;
  Millis at_eighths(std::uint32_t eighths) const;  // bound_at_ + eighths/8 of the lease time
  std::array<std::uint8_t, 6> mac_;
  std::uint32_t xid_;
  State state_ = State::kInit;
  std::optional<Message> offer_;
  std::optional<Lease> lease_;
  Millis bound_at_{0};
  std::optional<Millis> retransmit_at_;  // kRenewing / kRebinding: the next DHCPREQUEST
};

}  // namespace prose::ip::dhcpv4

#include "prose/ip/dhcpv4_server.h"

#include "prose/ip/packet.h"
#include "prose/ip/udp.h"

namespace prose::ip::dhcpv4 {

Result<Bytes> to_packet(const Message& m, Ipv4Address source, std::uint16_t source_port, Ipv4Address destination,
                        std::uint16_t destination_port) {
  return encode_ipv4_udp(source, source_port, destination, destination_port, encode(m));
}

Result<Received> from_packet(ByteView ip_packet) {
  PROSE_TRY(Ipv4Packet p, parse_ipv4(ip_packet));
  PROSE_TRY(UdpDatagram d, parse_ipv4_udp(p));
  PROSE_TRY(Message m, decode(d.payload));
  return Received{std::move(m), d.source, d.destination, d.source_port, d.destination_port};
}

Message Server::reply_to(const Message& request, MessageType type) const {
  Message r;
  r.op = kOpBootReply;
  r.htype = request.htype;
  r.hlen = request.hlen;
  r.xid = request.xid;
  r.flags = request.flags;
  r.giaddr = request.giaddr;
  r.chaddr = request.chaddr;
  r.type = type;
  r.server_id = server_id();
  return r;
}

Result<std::optional<Message>> Server::handle(Layer2Id link, const Message& request) {
  if (request.op != kOpBootRequest) return std::optional<Message>{};
  switch (request.type) {
    case MessageType::kDiscover: {
      bool had = pool_.address_of(link).has_value();
      PROSE_TRY(Ipv4Address a, pool_.allocate(link));
      if (!had) offered_only_.insert(link);
      Message r = reply_to(request, MessageType::kOffer);
      r.yiaddr = a;
      r.lease_seconds = lease_seconds_;
      r.subnet_mask = pool_.netmask();
      r.router = pool_.relay_address();
      return std::optional<Message>{r};
    }
    case MessageType::kRequest: {
      if (request.server_id && *request.server_id != server_id()) {
        // The client took another server's offer (RFC 2131 4.3.2).
        if (offered_only_.erase(link) != 0) (void)pool_.release(link);
        return std::optional<Message>{};
      }
      Ipv4Address wanted = request.requested_ip.value_or(request.ciaddr);
      auto assigned = pool_.address_of(link);
      if (!assigned || wanted != *assigned) {
        Message r = reply_to(request, MessageType::kNak);
        r.flags |= kFlagBroadcast;
        r.message = assigned ? "requested " + wanted.to_string() + ", link has " + assigned->to_string()
                             : "no address offered to this link";
        return std::optional<Message>{r};
      }
      offered_only_.erase(link);
      Message r = reply_to(request, MessageType::kAck);
      r.ciaddr = request.ciaddr;
      r.yiaddr = *assigned;
      r.lease_seconds = lease_seconds_;
      r.subnet_mask = pool_.netmask();
      r.router = pool_.relay_address();
      return std::optional<Message>{r};
    }
    case MessageType::kRelease:
    case MessageType::kDecline:
      if (request.server_id && *request.server_id != server_id()) return std::optional<Message>{};
      offered_only_.erase(link);
      (void)pool_.release(link);
      return std::optional<Message>{};
    default:
      return std::optional<Message>{};
  }
}

void Server::link_ended(Layer2Id link) {
  offered_only_.erase(link);
  (void)pool_.release(link);  // kNotFound when it had none: nothing to do
}

Result<std::optional<Bytes>> Server::handle_packet(Layer2Id link, ByteView ip_packet) {
  PROSE_TRY(Received in, from_packet(ip_packet));
  if (in.destination_port != kServerPort) {
    return fail(Errc::kInvalidArgument, "DHCP server: UDP port " + std::to_string(in.destination_port) + ", not 67");
  }
  PROSE_TRY(std::optional<Message> reply, handle(link, in.message));
  if (!reply) return std::optional<Bytes>{};
  PROSE_TRY(Bytes out, to_packet(*reply, server_id(), kServerPort, Ipv4Address::from_value(0xFFFFFFFFu), kClientPort));
  return std::optional<Bytes>{std::move(out)};
}

}  // namespace prose::ip::dhcpv4

#include "prose/ip/dhcpv4_client.h"

#include "prose/ip/dhcpv4_server.h"

namespace prose::ip::dhcpv4 {
namespace {

const Ipv4Address kBroadcast = Ipv4Address::from_value(0xFFFFFFFFu);

}  // namespace

Message Client::base(MessageType type) const {
  Message m;
  m.op = kOpBootRequest;
  m.xid = xid_;
  m.flags = kFlagBroadcast;
  std::copy(mac_.begin(), mac_.end(), m.chaddr.begin());
  m.type = type;
  return m;
}

Result<Bytes> Client::start() {
  Message m = base(MessageType::kDiscover);
  m.parameters = std::vector<std::uint8_t>{kOptionSubnetMask, kOptionRouter};
  PROSE_TRY(Bytes out, to_packet(m, Ipv4Address{}, kClientPort, kBroadcast, kServerPort));
  state_ = State::kSelecting;
  offer_.reset();
  lease_.reset();
  return out;
}

Result<std::optional<Bytes>> Client::handle(ByteView ip_packet) {
  PROSE_TRY(Received in, from_packet(ip_packet));
  const Message& r = in.message;
  if (in.destination_port != kClientPort || r.op != kOpBootReply || r.xid != xid_) return std::optional<Bytes>{};
  if (state_ == State::kSelecting && r.type == MessageType::kOffer) {
    if (!r.server_id) return fail(Errc::kMalformed, "DHCPOFFER without a server identifier (RFC 2131 Table 3)");
    if (r.yiaddr.is_unspecified()) return fail(Errc::kMalformed, "DHCPOFFER without an address (yiaddr 0.0.0.0)");
    Message m = base(MessageType::kRequest);
    m.server_id = r.server_id;
    m.requested_ip = r.yiaddr;
    m.parameters = std::vector<std::uint8_t>{kOptionSubnetMask, kOptionRouter};
    PROSE_TRY(Bytes out, to_packet(m, Ipv4Address{}, kClientPort, kBroadcast, kServerPort));
    offer_ = r;
    state_ = State::kRequesting;
    return std::optional<Bytes>{std::move(out)};
  }
  if (state_ == State::kRequesting && offer_ && r.server_id == offer_->server_id) {
    if (r.type == MessageType::kNak) {
      state_ = State::kInit;
      offer_.reset();
      return fail(Errc::kDenied,
                  "DHCPNAK from " + r.server_id->to_string() + (r.message ? ": " + *r.message : std::string()));
    }
    if (r.type == MessageType::kAck) {
      if (r.yiaddr != offer_->yiaddr) return fail(Errc::kMalformed, "DHCPACK for another address than offered");
      if (!r.subnet_mask) return fail(Errc::kMalformed, "DHCPACK without a subnet mask");
      if (!r.lease_seconds) return fail(Errc::kMalformed, "DHCPACK without a lease time (RFC 2131 Table 3)");
      PROSE_TRY(std::uint8_t n, ipv4_prefix_length(*r.subnet_mask));
      lease_ = Lease{r.yiaddr, *r.subnet_mask, n, r.router, *r.server_id, *r.lease_seconds};
      state_ = State::kBound;
      return std::optional<Bytes>{};
    }
  }
  return std::optional<Bytes>{};  // a duplicate or late reply
}

Result<Bytes> Client::release() {
  if (state_ != State::kBound || !lease_) return fail(Errc::kState, "DHCPRELEASE: no lease");
  Message m = base(MessageType::kRelease);
  m.flags = 0;
  m.ciaddr = lease_->address;
  m.server_id = lease_->server_id;
  PROSE_TRY(Bytes out, to_packet(m, lease_->address, kClientPort, lease_->server_id, kServerPort));
  state_ = State::kInit;
  lease_.reset();
  offer_.reset();
  return out;
}

}  // namespace prose::ip::dhcpv4

#include "prose/ip/dhcpv4_client.h"

#include <algorithm>
#include <string>

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

bool Client::has_lease() const {
  return lease_ && (state_ == State::kBound || state_ == State::kRenewing || state_ == State::kRebinding);
}

Client::Millis Client::at_eighths(std::uint32_t eighths) const {
  return bound_at_ + Millis(static_cast<std::int64_t>(lease_->lease_seconds) * 1000 * eighths / 8);
}

std::optional<Client::Millis> Client::next_timer() const {
  if (!has_lease() || lease_->lease_seconds == kInfiniteLease) return std::nullopt;
  switch (state_) {
    case State::kBound:
      return at_eighths(kT1Eighths);
    case State::kRenewing:
      return std::min(retransmit_at_.value_or(at_eighths(kT2Eighths)), at_eighths(kT2Eighths));
    case State::kRebinding:
      return std::min(retransmit_at_.value_or(at_eighths(8)), at_eighths(8));
    default:
      return std::nullopt;
  }
}

// RFC 2131 4.3.2 table 5 (RENEWING, REBINDING): ciaddr = the address, no requested address, no server identifier;
// unicast to the server, or broadcast.
Result<Bytes> Client::renewal_request(bool broadcast) const {
  Message m = base(MessageType::kRequest);
  m.flags = 0;  // the client can receive unicast: it has its address
  m.ciaddr = lease_->address;
  m.parameters = std::vector<std::uint8_t>{kOptionSubnetMask, kOptionRouter};
  return to_packet(m, lease_->address, kClientPort, broadcast ? kBroadcast : lease_->server_id, kServerPort);
}

Result<std::optional<Bytes>> Client::on_time(Millis now) {
  const auto due = next_timer();
  if (!due || now < *due) return std::optional<Bytes>{};
  if (now >= at_eighths(8)) {
    const std::string gone = lease_->address.to_string();
    state_ = State::kInit;
    lease_.reset();
    retransmit_at_.reset();
    return fail(Errc::kTimeout, "DHCPv4 lease of " + gone + " ended without a DHCPACK (RFC 2131 4.4.5)");
  }
  if (state_ == State::kBound) state_ = State::kRenewing;
  if (state_ == State::kRenewing && now >= at_eighths(kT2Eighths)) state_ = State::kRebinding;
  const Millis until = state_ == State::kRenewing ? at_eighths(kT2Eighths) : at_eighths(8);
  retransmit_at_ = now + std::max((until - now) / 2, Millis(kMinRetransmitSeconds * 1000));
  PROSE_TRY(Bytes out, renewal_request(state_ == State::kRebinding));
  return std::optional<Bytes>{std::move(out)};
}

Result<std::optional<Bytes>> Client::handle(ByteView ip_packet, Millis now) {
  PROSE_TRY(Received in, from_packet(ip_packet));
  const Message& r = in.message;
  if (in.destination_port != kClientPort || r.op != kOpBootReply || r.xid != xid_) return std::optional<Bytes>{};
  if ((state_ == State::kRenewing || state_ == State::kRebinding) && lease_ &&
      (state_ == State::kRebinding || r.server_id == lease_->server_id)) {
    if (r.type == MessageType::kNak) {
      state_ = State::kInit;
      lease_.reset();
      retransmit_at_.reset();
      return fail(Errc::kDenied, "DHCPNAK to the renewal" + (r.message ? ": " + *r.message : std::string()));
    }
    if (r.type == MessageType::kAck && r.yiaddr == lease_->address && r.lease_seconds && r.server_id) {
      lease_->lease_seconds = *r.lease_seconds;
      lease_->server_id = *r.server_id;
      if (r.router) lease_->router = r.router;
      bound_at_ = now;
      retransmit_at_.reset();
      state_ = State::kBound;
    }
    return std::optional<Bytes>{};
  }
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
      bound_at_ = now;
      state_ = State::kBound;
      return std::optional<Bytes>{};
    }
  }
  return std::optional<Bytes>{};  // a duplicate or late reply
}

Result<Bytes> Client::release() {
  if (!has_lease()) return fail(Errc::kState, "DHCPRELEASE: no lease");
  Message m = base(MessageType::kRelease);
  m.flags = 0;
  m.ciaddr = lease_->address;
  m.server_id = lease_->server_id;
  PROSE_TRY(Bytes out, to_packet(m, lease_->address, kClientPort, lease_->server_id, kServerPort));
  state_ = State::kInit;
  lease_.reset();
  offer_.reset();
  retransmit_at_.reset();
  return out;
}

}  // namespace prose::ip::dhcpv4

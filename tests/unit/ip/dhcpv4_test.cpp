#include <gtest/gtest.h>

#include "prose/ip/address_pool.h"
#include "prose/ip/dhcpv4.h"
#include "prose/ip/dhcpv4_client.h"
#include "prose/ip/dhcpv4_server.h"
#include "prose/util/hex.h"
#include "test_util.h"

namespace prose::ip::dhcpv4 {
namespace {

using ip::testing::hx;

const Layer2Id kLink{0x123456};
constexpr std::uint32_t kXid = 0x01020304;

// The DHCPDISCOVER of a client with chaddr 02:00:00:12:34:56 and xid 01020304, written from the RFC layouts: RFC 791
// IPv4 header (checksums worked out separately with a one's complement sum), RFC 768 UDP header, RFC 2131 Figure 1
// fields, RFC 2132 options.
Bytes hand_built_discover() {
  return concat({
      hx("4500 0114 0000 0000 4011 79da 00000000 ffffffff"),  // IPv4: length 276, TTL 64, UDP, 0.0.0.0 -> bcast
      hx("0044 0043 0100 48da"),                              // UDP 68 -> 67, length 256
      hx("01 01 06 00"),                                      // op BOOTREQUEST, htype Ethernet, hlen 6, hops 0
      hx("01020304 0000 8000"),                               // xid, secs 0, flags: broadcast
      Bytes(16, 0),                                           // ciaddr yiaddr siaddr giaddr
      hx("020000123456"), Bytes(10, 0),                       // chaddr
      Bytes(64 + 128, 0),                                     // sname, file
      hx("63825363"),                                         // magic cookie
      hx("35 01 01"),                                         // 53 message type: DHCPDISCOVER
      hx("37 02 01 03"),                                      // 55 parameter request list: subnet mask, router
      hx("ff"),                                               // end
  });
}

// The server's DHCPOFFER of 10.45.0.2 from 10.45.0.1 (pool 10.45.0.0/24, lease 3600 s).
Bytes hand_built_offer() {
  return concat({
      hx("4500 0128 0000 0000 4011 6f98 0a2d0001 ffffffff"),  // IPv4: length 296, 10.45.0.1 -> bcast
      hx("0043 0044 0114 b9fe"),                              // UDP 67 -> 68, length 276
      hx("02 01 06 00"),                                      // op BOOTREPLY
      hx("01020304 0000 8000"),                               // xid echoed, flags echoed
      hx("00000000 0a2d0002 00000000 00000000"),              // ciaddr, yiaddr 10.45.0.2, siaddr, giaddr
      hx("020000123456"), Bytes(10, 0),                       // chaddr
      Bytes(64 + 128, 0),                                     // sname, file
      hx("63825363"),                                         // magic cookie
      hx("35 01 02"),                                         // 53: DHCPOFFER
      hx("36 04 0a2d0001"),                                   // 54 server identifier
      hx("33 04 00000e10"),                                   // 51 lease time 3600
      hx("01 04 ffffff00"),                                   // 1 subnet mask
      hx("03 04 0a2d0001"),                                   // 3 router
      hx("ff"),                                               // end
  });
}

struct Fixture {
  Ipv4Pool pool = *Ipv4Pool::create(*Ipv4Prefix::parse("10.45.0.0/24"));
  Server server{pool, 3600};
  Client client{link_mac(kLink), kXid};
};

TEST(Dhcpv4, ClientDiscoverIsByteExact) {
  Fixture f;
  auto discover = f.client.start();
  ASSERT_TRUE(discover.ok()) << discover.error().to_string();
  EXPECT_EQ(to_hex(*discover), to_hex(hand_built_discover()));
  EXPECT_EQ(f.client.state(), Client::State::kSelecting);
}

TEST(Dhcpv4, ServerOfferIsByteExact) {
  Fixture f;
  auto offer = f.server.handle_packet(kLink, hand_built_discover());
  ASSERT_TRUE(offer.ok()) << offer.error().to_string();
  ASSERT_TRUE(offer->has_value());
  EXPECT_EQ(to_hex(**offer), to_hex(hand_built_offer()));
  EXPECT_EQ(f.pool.address_of(kLink)->to_string(), "10.45.0.2");
}

TEST(Dhcpv4, HandBuiltOfferDecodes) {
  auto in = from_packet(hand_built_offer());
  ASSERT_TRUE(in.ok()) << in.error().to_string();
  const Message& m = in->message;
  EXPECT_EQ(m.op, kOpBootReply);
  EXPECT_EQ(m.type, MessageType::kOffer);
  EXPECT_EQ(m.xid, kXid);
  EXPECT_EQ(m.yiaddr.to_string(), "10.45.0.2");
  EXPECT_EQ(m.server_id->to_string(), "10.45.0.1");
  EXPECT_EQ(*m.lease_seconds, 3600u);
  EXPECT_EQ(m.subnet_mask->to_string(), "255.255.255.0");
  EXPECT_EQ(m.router->to_string(), "10.45.0.1");
  EXPECT_EQ(in->source_port, kServerPort);
  EXPECT_EQ(in->destination_port, kClientPort);
  const Bytes wire = hand_built_offer();
  EXPECT_EQ(encode(m), Bytes(wire.begin() + 28, wire.end()));
}

TEST(Dhcpv4, ExchangeEndToEndBindsTheClientAndRelease) {
  Fixture f;
  auto discover = f.client.start();
  ASSERT_TRUE(discover.ok());
  auto offer = f.server.handle_packet(kLink, *discover);
  ASSERT_TRUE(offer.ok() && offer->has_value());
  auto request = f.client.handle(**offer);
  ASSERT_TRUE(request.ok()) << request.error().to_string();
  ASSERT_TRUE(request->has_value());
  EXPECT_EQ(f.client.state(), Client::State::kRequesting);
  auto req_msg = from_packet(**request);
  ASSERT_TRUE(req_msg.ok());
  EXPECT_EQ(req_msg->message.type, MessageType::kRequest);
  EXPECT_EQ(req_msg->message.requested_ip->to_string(), "10.45.0.2");
  EXPECT_EQ(req_msg->message.server_id->to_string(), "10.45.0.1");
  EXPECT_EQ(req_msg->source.to_string(), "0.0.0.0");
  EXPECT_EQ(req_msg->destination.to_string(), "255.255.255.255");

  auto ack = f.server.handle_packet(kLink, **request);
  ASSERT_TRUE(ack.ok() && ack->has_value());
  EXPECT_EQ(from_packet(**ack)->message.type, MessageType::kAck);
  auto none = f.client.handle(**ack);
  ASSERT_TRUE(none.ok()) << none.error().to_string();
  EXPECT_FALSE(none->has_value());
  ASSERT_EQ(f.client.state(), Client::State::kBound);
  const Lease& l = *f.client.lease();
  EXPECT_EQ(l.address.to_string(), "10.45.0.2");
  EXPECT_EQ(l.subnet_mask.to_string(), "255.255.255.0");
  EXPECT_EQ(l.prefix_length, 24);
  EXPECT_EQ(l.router->to_string(), "10.45.0.1");
  EXPECT_EQ(l.server_id.to_string(), "10.45.0.1");
  EXPECT_EQ(l.lease_seconds, 3600u);

  // A second client on another link gets the next address.
  Client other(link_mac(Layer2Id{0x000777}), 77);
  auto o = f.server.handle_packet(Layer2Id{0x000777}, *other.start());
  ASSERT_TRUE(o.ok() && o->has_value());
  EXPECT_EQ(from_packet(**o)->message.yiaddr.to_string(), "10.45.0.3");

  // RELEASE: unicast from the leased address to the server, and the pool forgets the link.
  auto rel = f.client.release();
  ASSERT_TRUE(rel.ok());
  auto rel_in = from_packet(*rel);
  ASSERT_TRUE(rel_in.ok());
  EXPECT_EQ(rel_in->message.type, MessageType::kRelease);
  EXPECT_EQ(rel_in->source.to_string(), "10.45.0.2");
  EXPECT_EQ(rel_in->destination.to_string(), "10.45.0.1");
  EXPECT_EQ(rel_in->message.ciaddr.to_string(), "10.45.0.2");
  auto after = f.server.handle_packet(kLink, *rel);
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->has_value());
  EXPECT_FALSE(f.pool.address_of(kLink).has_value());
  EXPECT_EQ(f.client.state(), Client::State::kInit);
  EXPECT_FALSE(f.client.release().ok()) << "nothing to release";
}

TEST(Dhcpv4, NakSendsTheClientBackToInit) {
  Fixture f;
  auto offer = f.server.handle_packet(kLink, *f.client.start());
  ASSERT_TRUE(offer.ok() && offer->has_value());
  auto request = f.client.handle(**offer);
  ASSERT_TRUE(request.ok() && request->has_value());
  // The offered address went away (e.g. the relay restarted) and another link took it.
  ASSERT_TRUE(f.pool.release(kLink).ok());
  ASSERT_TRUE(f.pool.allocate(Layer2Id{0x999}).ok());
  auto nak = f.server.handle_packet(kLink, **request);
  ASSERT_TRUE(nak.ok() && nak->has_value());
  auto nak_msg = from_packet(**nak);
  ASSERT_TRUE(nak_msg.ok());
  EXPECT_EQ(nak_msg->message.type, MessageType::kNak);
  EXPECT_TRUE(nak_msg->message.yiaddr.is_unspecified());
  auto r = f.client.handle(**nak);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kDenied);
  EXPECT_NE(r.error().message.find("DHCPNAK"), std::string::npos);
  EXPECT_EQ(f.client.state(), Client::State::kInit);
  EXPECT_FALSE(f.client.lease().has_value());
}

TEST(Dhcpv4, AnEndedLinksAddressReturnsToThePool) {
  Fixture f;
  auto offer = f.server.handle_packet(kLink, *f.client.start());
  ASSERT_TRUE(offer.ok() && offer->has_value());
  ASSERT_TRUE(f.server.handle_packet(kLink, **f.client.handle(**offer)).ok());
  ASSERT_TRUE(f.pool.address_of(kLink).has_value());
  f.server.link_ended(kLink);
  EXPECT_FALSE(f.pool.address_of(kLink).has_value());
  f.server.link_ended(kLink);  // twice is harmless
  EXPECT_EQ(f.pool.allocate(Layer2Id{0x42})->to_string(), "10.45.0.2");
}

TEST(Dhcpv4, ServerNaksARequestForAnotherAddress) {
  Fixture f;
  ASSERT_TRUE(f.server.handle_packet(kLink, *f.client.start()).ok());  // offers 10.45.0.2
  Message req;
  req.xid = 5;
  req.type = MessageType::kRequest;
  req.server_id = f.server.server_id();
  req.requested_ip = *Ipv4Address::parse("10.45.0.9");
  auto r = f.server.handle(kLink, req);
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->type, MessageType::kNak);
  EXPECT_EQ((*r)->xid, 5u);
}

TEST(Dhcpv4, ARequestForAnotherServerReleasesTheOffer) {
  Fixture f;
  ASSERT_TRUE(f.server.handle_packet(kLink, *f.client.start()).ok());
  ASSERT_TRUE(f.pool.address_of(kLink).has_value());
  Message req;
  req.type = MessageType::kRequest;
  req.server_id = *Ipv4Address::parse("192.0.2.1");
  req.requested_ip = *Ipv4Address::parse("192.0.2.50");
  auto r = f.server.handle(kLink, req);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
  EXPECT_FALSE(f.pool.address_of(kLink).has_value());
}

TEST(Dhcpv4, ClientIgnoresRepliesForOthers) {
  Fixture f;
  ASSERT_TRUE(f.client.start().ok());
  Message offer;
  offer.op = kOpBootReply;
  offer.xid = kXid + 1;  // another transaction
  offer.type = MessageType::kOffer;
  offer.yiaddr = *Ipv4Address::parse("10.45.0.2");
  offer.server_id = *Ipv4Address::parse("10.45.0.1");
  auto pkt = to_packet(offer, *Ipv4Address::parse("10.45.0.1"), kServerPort, Ipv4Address::from_value(~0u), kClientPort);
  auto r = f.client.handle(*pkt);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
  EXPECT_EQ(f.client.state(), Client::State::kSelecting);
  // An offer without a server identifier is refused.
  offer.xid = kXid;
  offer.server_id.reset();
  pkt = to_packet(offer, *Ipv4Address::parse("10.45.0.1"), kServerPort, Ipv4Address::from_value(~0u), kClientPort);
  EXPECT_FALSE(f.client.handle(*pkt).ok());
}

TEST(Dhcpv4, DecoderRefusesMalformedMessages) {
  const Bytes wire = hand_built_offer();
  const Bytes good(wire.begin() + 28, wire.end());  // the UDP payload
  ASSERT_TRUE(decode(good).ok());
  for (std::size_t n = 0; n < good.size(); ++n) EXPECT_FALSE(decode(ByteView(good).first(n)).ok()) << n;
  auto with = [&](std::size_t at, std::uint8_t v) {
    Bytes b = good;
    b[at] = v;
    return decode(b);
  };
  constexpr std::size_t kOptions = kFixedSize + 4;       // first option
  EXPECT_EQ(with(0, 3).error().code, Errc::kMalformed);  // op
  EXPECT_NE(with(kFixedSize, 98).error().message.find("cookie"), std::string::npos);
  EXPECT_EQ(with(kOptions + 2, 9).error().code, Errc::kUnsupported);  // message type 9
  EXPECT_EQ(with(kOptions + 1, 2).error().code, Errc::kMalformed);    // message type length 2
  EXPECT_EQ(with(kOptions + 3, kOptionMessageType).error().code, Errc::kMalformed) << "53 twice";
  Bytes no_type = good;
  no_type[kOptions] = 200;  // unknown option code in place of 53: skipped, and then no message type
  EXPECT_NE(decode(no_type).error().message.find("no message type"), std::string::npos);
  Bytes overload = good;
  overload[kOptions + 3] = kOptionOverload;
  EXPECT_EQ(decode(overload).error().code, Errc::kUnsupported);
  Bytes past_end = good;
  past_end[kOptions + 4] = 200;  // server identifier length 200
  EXPECT_EQ(decode(past_end).error().code, Errc::kTruncated);
  EXPECT_EQ(with(2, 17).error().code, Errc::kMalformed);  // hlen > 16
  // Pad options and unknown options are skipped; octets after End are ignored.
  Bytes padded(good.begin(), good.end() - 1);
  for (std::uint8_t x : {0, 0, 250, 2, 0xAB, 0xCD, 255, 0, 0}) padded.push_back(x);
  auto p = decode(padded);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(*p, *decode(good));
}

TEST(Dhcpv4, EncodeDecodeRoundTripsEveryModelledOption) {
  Message m;
  m.op = kOpBootReply;
  m.xid = 0xdeadbeef;
  m.secs = 7;
  m.flags = kFlagBroadcast;
  m.ciaddr = *Ipv4Address::parse("1.2.3.4");
  m.yiaddr = *Ipv4Address::parse("5.6.7.8");
  m.siaddr = *Ipv4Address::parse("9.10.11.12");
  m.giaddr = *Ipv4Address::parse("13.14.15.16");
  m.chaddr[0] = 0x42;
  m.type = MessageType::kNak;
  m.server_id = *Ipv4Address::parse("10.0.0.1");
  m.lease_seconds = 60;
  m.subnet_mask = *Ipv4Address::parse("255.255.0.0");
  m.router = *Ipv4Address::parse("10.0.0.254");
  m.requested_ip = *Ipv4Address::parse("10.0.0.2");
  m.parameters = std::vector<std::uint8_t>{1, 3, 6};
  m.message = "no";
  auto back = decode(encode(m));
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(*back, m);
}

// Renewal on the caller's clock (RFC 2131 4.4.5): a 3600 s lease bound at 1 s is renewed from T1 = 1801 s by a
// DHCPREQUEST unicast to the server (ciaddr, no server identifier, no requested address: 4.3.2 table 5), sent again
// after half the time left until T2 (at least 60 s); from T2 = 3151 s it is broadcast; the lease's end takes the
// address away.
TEST(Dhcpv4, RenewingAtT1RebindingAtT2AndTheLeasesEnd) {
  using Ms = Client::Millis;
  const auto s = [](std::int64_t seconds) { return Ms(seconds * 1000); };
  Fixture f;
  const auto bind = [&](Ms at) {
    auto offer = f.server.handle_packet(kLink, *f.client.start());
    auto request = f.client.handle(**offer, at);
    auto ack = f.server.handle_packet(kLink, **request);
    ASSERT_TRUE(f.client.handle(**ack, at).ok());
    ASSERT_EQ(f.client.state(), Client::State::kBound);
  };
  bind(s(1));
  EXPECT_EQ(f.client.next_timer(), s(1801));
  EXPECT_FALSE(f.client.on_time(s(1801) - Ms(1)).value().has_value()) << "nothing before T1";
  EXPECT_EQ(f.client.state(), Client::State::kBound);

  auto renew = f.client.on_time(s(1801));
  ASSERT_TRUE(renew.ok() && renew->has_value());
  EXPECT_EQ(f.client.state(), Client::State::kRenewing);
  EXPECT_TRUE(f.client.has_lease());
  auto m = from_packet(**renew);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->message.type, MessageType::kRequest);
  EXPECT_EQ(m->message.ciaddr.to_string(), "10.45.0.2");
  EXPECT_FALSE(m->message.server_id.has_value());
  EXPECT_FALSE(m->message.requested_ip.has_value());
  EXPECT_EQ(m->source.to_string(), "10.45.0.2");
  EXPECT_EQ(m->destination.to_string(), "10.45.0.1") << "unicast to the server while renewing";
  EXPECT_EQ(f.client.next_timer(), s(1801 + 675)) << "half of the 1350 s left until T2";
  auto again = f.client.on_time(s(1801 + 675));
  ASSERT_TRUE(again.ok() && again->has_value()) << "sent again";
  // The server's ACK binds the client again, its lease clock restarted at the ACK.
  auto ack = f.server.handle_packet(kLink, **again);
  ASSERT_TRUE(ack.ok() && ack->has_value());
  ASSERT_TRUE(f.client.handle(**ack, s(2500)).ok());
  EXPECT_EQ(f.client.state(), Client::State::kBound);
  EXPECT_EQ(f.client.next_timer(), s(2500 + 1800));

  // No answer until T2 (2500 + 3150): rebinding, broadcast.
  ASSERT_TRUE(f.client.on_time(s(4300)).value().has_value());
  auto rebind = f.client.on_time(s(2500 + 3150));
  ASSERT_TRUE(rebind.ok() && rebind->has_value());
  EXPECT_EQ(f.client.state(), Client::State::kRebinding);
  EXPECT_EQ(from_packet(**rebind)->destination.to_string(), "255.255.255.255");
  EXPECT_EQ(f.client.next_timer(), s(2500 + 3150 + 225)) << "half of the 450 s left";
  EXPECT_EQ(*f.client.on_time(s(2500 + 3150 + 225)).value(), **rebind) << "the same request again";
  EXPECT_EQ(f.client.next_timer(), s(2500 + 3150 + 225) + Ms(112500)) << "half of the 225 s left";
  ASSERT_TRUE(f.client.on_time(s(2500 + 3150 + 225) + Ms(112500)).value().has_value());
  EXPECT_EQ(f.client.next_timer(), s(2500 + 3150 + 225 + 60) + Ms(112500)) << "half of 112.5 s: no sooner than 60 s";
  // The lease ends without an answer.
  auto ended = f.client.on_time(s(2500 + 3600));
  ASSERT_FALSE(ended.ok());
  EXPECT_EQ(ended.error().code, Errc::kTimeout);
  EXPECT_EQ(f.client.state(), Client::State::kInit);
  EXPECT_FALSE(f.client.has_lease());
  EXPECT_FALSE(f.client.next_timer().has_value());

  // A NAK to a renewal: back to kInit, kDenied.
  f.server.link_ended(kLink);
  bind(s(10000));
  auto r = f.client.on_time(s(10000 + 1800));
  ASSERT_TRUE(r.ok() && r->has_value());
  f.server.link_ended(kLink);  // the server forgot the link: it refuses the address
  auto nak = f.server.handle_packet(kLink, **r);
  ASSERT_TRUE(nak.ok() && nak->has_value());
  auto denied = f.client.handle(**nak, s(10000 + 1801));
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, Errc::kDenied);
  EXPECT_FALSE(f.client.has_lease());
}

}  // namespace
}  // namespace prose::ip::dhcpv4

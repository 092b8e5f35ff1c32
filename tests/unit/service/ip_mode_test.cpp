// IP mode of the services (docs/ip.md): a Remote UE service and a relay service in IP mode joined in memory, the
// fake PKMF behind the relay. The UE takes a DHCPv4 lease over the secured link; IP packets go up (routed with
// anti-spoofing) and down (to the link of their destination).
#include <gtest/gtest.h>

#include "actions.h"
#include "fake_pkmf.h"
#include "linked_bed.h"
#include "prose/ip/address_config.h"
#include "prose/ip/packet.h"
#include "prose/ip/udp.h"
#include "prose/pc5/codec.h"
#include "prose/pdcp/pdcp.h"
#include "prose/service/relay_service.h"
#include "prose/service/remote_ue_service.h"

namespace prose::service {
namespace {

using test::all;
using test::FakePkmf;
using test::has_event;
using test::has_message;
using test::Subscriber;

using test::kRelayL2;
using test::kRsc;
using test::kUeL2;

ip::Ipv4Address v4(const char* s) { return ip::Ipv4Address::parse(s).value(); }

Bytes udp(const char* from, const char* to, Bytes payload) {
  return ip::encode_ipv4_udp(v4(from), 5000, v4(to), 6000, payload).value();
}

struct IpBed {
  link::TimePoint now{link::Millis{9'000'000}};
  Subscriber sub;
  FakePkmf pkmf;
  RelayService relay{RelayServiceConfig{"relay", kRelayL2, kRsc, 7000, false}};
  std::unique_ptr<RemoteUeService> ue;
  RemoteUeActions log;
  RelayActions relay_log;
  std::vector<Bytes> to_relay, to_ue, app, network;
  std::vector<std::uint8_t> dca_ip_config;  // the IP Address Config of every DCA the relay sent
  int lose_data = 0;                        // user data PDUs from the relay to lose

  explicit IpBed(bool relay_ip = true, bool ue_ip = true, std::uint32_t rekey_every = 0) {
    pkmf.sub = &sub;
    if (relay_ip) {
      EXPECT_TRUE(relay.enable_ip(RelayIpConfig{ip::Ipv4Prefix::parse("10.45.0.0/24").value()}).ok());
    }
    RemoteUeServiceConfig c = test::ue_config(sub);
    c.ip = ue_ip;
    c.rekey_every = rekey_every;
    ue = RemoteUeService::create(std::move(c), KeyStore{}).value();
  }
  void run(RemoteUeActions as) {
    for (auto& a : as) {
      if (auto* t = std::get_if<Transmit>(&a)) to_relay.push_back(t->pdu);
      if (auto* d = std::get_if<DeliverToApp>(&a)) app.push_back(d->data);
      log.push_back(std::move(a));
    }
  }
  void run_relay(RelayActions as) {
    for (auto& a : as) {
      if (auto* t = std::get_if<Transmit>(&a)) {
        if (t->type == 0 && lose_data > 0)
          --lose_data;  // user data (here: the DHCPv4 replies) lost on the way
        else
          to_ue.push_back(t->pdu);
      } else if (auto* o = std::get_if<OpenUpstream>(&a)) {
        run_relay(relay.upstream_opened(now, o->l2));
      } else if (auto* r = std::get_if<RequestKd>(&a)) {
        run_relay(relay.on_kd_response(now, r->request, pkmf.answer(r->pc8)));
      } else if (auto* n = std::get_if<ToNetwork>(&a)) {
        EXPECT_EQ(n->l2, kUeL2);
        network.push_back(n->packet);
      }
      relay_log.push_back(std::move(a));
    }
  }
  void pump() { test::pump(*this); }
  bool connect() { return test::connect(*this); }
};

TEST(IpMode, LeaseOverTheLinkThenPacketsBothWays) {
  IpBed b;
  ASSERT_TRUE(b.connect());
  EXPECT_TRUE(all<OpenUpstream>(b.relay_log).empty()) << "IP mode: the network side is the TUN, no upstream socket";
  ASSERT_TRUE(b.ue->lease().has_value());
  EXPECT_EQ(b.ue->lease()->address, v4("10.45.0.2"));
  EXPECT_EQ(b.ue->lease()->prefix_length, 24);
  EXPECT_EQ(b.ue->lease()->router, v4("10.45.0.1"));
  auto applied = all<ApplyLease>(b.log);
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(applied[0]->lease, *b.ue->lease());
  EXPECT_TRUE(has_event(b.log, "lease"));
  EXPECT_TRUE(has_message(b.log, "DHCPDISCOVER"));
  EXPECT_TRUE(has_message(b.log, "DHCPREQUEST"));
  EXPECT_TRUE(has_message(b.relay_log, "DHCPOFFER 10.45.0.2 ("));
  EXPECT_TRUE(has_message(b.relay_log, "DHCPACK 10.45.0.2 ("));
  EXPECT_TRUE(b.network.empty()) << "DHCP stays with the relay";
  EXPECT_TRUE(b.app.empty()) << "DHCP replies are the client's";
  EXPECT_EQ(b.relay.ip()->pool().address_of(ids::Layer2Id{kUeL2}), v4("10.45.0.2"));
  EXPECT_EQ(b.ue->machine()->relay_ip_address_config(), pc5::IpAddressConfig::kDhcpv4Server) << "the DCA says so";

  // Up: routed to the network side as it is.
  const Bytes up = udp("10.45.0.2", "10.46.0.2", {1, 2, 3});
  b.run(b.ue->send_data(b.now, up));
  b.pump();
  ASSERT_EQ(b.network.size(), 1u);
  EXPECT_EQ(b.network[0], up);
  // Down: to the link of the destination.
  const Bytes down = udp("10.46.0.2", "10.45.0.2", {9, 9});
  b.run_relay(b.relay.on_network(b.now, down));
  b.pump();
  ASSERT_EQ(b.app.size(), 1u);
  EXPECT_EQ(b.app[0], down);
  // No Remote UE has 10.45.0.9: dropped, traced.
  b.run_relay(b.relay.on_network(b.now, udp("10.46.0.2", "10.45.0.9", {7})));
  b.pump();
  EXPECT_EQ(b.app.size(), 1u);
  EXPECT_TRUE(has_event(b.relay_log, "ip-drop"));
}

TEST(IpMode, SpoofedSourceIsDroppedAndTheFlowGoesOn) {
  IpBed b;
  ASSERT_TRUE(b.connect());
  b.run(b.ue->send_data(b.now, udp("10.45.0.77", "10.46.0.2", {1})));
  b.pump();
  EXPECT_TRUE(b.network.empty());
  bool traced = false;
  for (const auto* e : all<TraceEvent>(b.relay_log))
    traced |= e->name == "ip-drop" && e->text.find("spoofed-source") != std::string::npos;
  EXPECT_TRUE(traced);
  b.run(b.ue->send_data(b.now, udp("10.45.0.2", "10.46.0.2", {2})));
  b.pump();
  EXPECT_EQ(b.network.size(), 1u);
}

// The DHCPOFFER is lost: nothing goes up without an address; the client sends its DISCOVER again after kDhcpRetry
// and gets the lease.
TEST(IpMode, NothingGoesUpBeforeTheLeaseAndDiscoverIsSentAgain) {
  IpBed b;
  b.lose_data = 1;
  ASSERT_TRUE(b.connect());
  ASSERT_FALSE(b.ue->lease());
  const std::size_t sent = all<Transmit>(b.log).size();
  b.run(b.ue->send_data(b.now, udp("10.45.0.2", "10.46.0.2", {1})));
  EXPECT_EQ(all<Transmit>(b.log).size(), sent);
  auto t = b.ue->next_deadline();
  ASSERT_TRUE(t);
  EXPECT_LE(*t, b.now + RemoteUeService::kDhcpRetry);
  b.now = *t;
  b.run(b.ue->on_time(b.now));
  b.pump();
  ASSERT_TRUE(b.ue->lease());
  EXPECT_EQ(b.ue->lease()->address, v4("10.45.0.2"));
  EXPECT_EQ(b.relay.ip()->pool().in_use(), 1u);
}

TEST(IpMode, TheLinksEndFreesItsAddress) {
  IpBed b;
  ASSERT_TRUE(b.connect());
  ASSERT_EQ(b.relay.ip()->pool().in_use(), 1u);
  b.run(b.ue->release(b.now));
  b.pump();
  b.run_relay(b.relay.sweep());
  EXPECT_EQ(b.relay.ip()->pool().in_use(), 0u);
}

TEST(IpMode, OffByDefault) {
  IpBed b(false, false);
  ASSERT_TRUE(b.connect());
  EXPECT_EQ(b.relay.ip(), nullptr);
  EXPECT_FALSE(b.ue->lease());
  EXPECT_TRUE(all<ApplyLease>(b.log).empty());
  EXPECT_EQ(all<OpenUpstream>(b.relay_log).size(), 1u);
  EXPECT_EQ(b.ue->machine()->relay_ip_address_config(), pc5::IpAddressConfig::kAddressAllocationNotSupported);
}

// A Remote UE in IP mode at a relay that is not: the DCA says it serves no DHCPv4; the UE says so and sends nothing.
TEST(IpMode, RelayWithoutDhcpv4) {
  IpBed b(false, true);
  ASSERT_TRUE(b.connect());
  EXPECT_FALSE(b.ue->lease());
  EXPECT_FALSE(has_message(b.log, "DHCPDISCOVER"));
  EXPECT_TRUE(has_event(b.log, "error"));
  EXPECT_FALSE(b.ue->next_deadline() && *b.ue->next_deadline() <= b.now) << "no busy retry";
}

}  // namespace
}  // namespace prose::service

namespace prose::service {
namespace {

// User data are ciphered, not integrity protected (TS 33.303: PIK protects signalling only), so a PDU changed on
// the air is not caught by PDCP: an octet of the IP source address changed decrypts to a packet the relay's router
// refuses (header checksum, source not the link's), traced as an ip-drop; the packets after it still go through.
// (A changed payload octet is the end host's checksum's to catch.)
TEST(IpMode, TamperedPduIsDroppedAndTheFlowGoesOn) {
  IpBed b;
  ASSERT_TRUE(b.connect());
  b.run(b.ue->send_data(b.now, udp("10.45.0.2", "10.46.0.2", {1, 2, 3})));
  ASSERT_EQ(b.to_relay.size(), 1u);
  b.to_relay[0][pdcp::kHeaderSize + 15] ^= 0x01;  // the last octet of the IPv4 source address
  b.pump();
  EXPECT_TRUE(b.network.empty());
  EXPECT_TRUE(has_event(b.relay_log, "ip-drop"));
  const Bytes next = udp("10.45.0.2", "10.46.0.2", {4});
  b.run(b.ue->send_data(b.now, next));
  b.pump();
  ASSERT_EQ(b.network.size(), 1u);
  EXPECT_EQ(b.network[0], next);
  EXPECT_EQ(b.relay.machine(kUeL2)->state(), link::RelayState::kEstablished);
}

// rekey_every counts IP packets in IP mode. Packets protected with the old KD-sess and still on the air when the
// rekey completes are taken by both sides (the previous context), and the next rekey counts from the key change:
// packets sent while a rekey runs do not start another one the moment it ends.
TEST(IpMode, RekeyEveryNIpPacketsWithPacketsInFlightAcrossTheKeyChange) {
  IpBed b(true, true, 3);
  ASSERT_TRUE(b.connect());
  const auto packet = [](std::uint8_t i) { return udp("10.45.0.2", "10.46.0.2", {i}); };
  for (std::uint8_t i = 1; i <= 2; ++i) b.run(b.ue->send_data(b.now, packet(i)));
  auto third = b.ue->send_data(b.now, packet(3));
  EXPECT_TRUE(has_message(third, "Direct Rekeying Request (Auth Flag 0)")) << "the third IP packet starts a rekey";
  b.run(std::move(third));
  ASSERT_EQ(b.ue->machine()->state(), link::RemoteState::kRekeying);
  // While the rekey runs: three more packets up (held on the air), one down protected with the old KD-sess.
  const auto send = [&](std::uint8_t i) {
    auto out = b.ue->send_data(b.now, packet(i));
    const bool rekey = has_message(out, "Direct Rekeying Request");
    b.run(std::move(out));
    return rekey;
  };
  for (std::uint8_t i = 4; i <= 6; ++i) EXPECT_FALSE(send(i));
  std::vector<Bytes> up_in_flight(b.to_relay.end() - 3, b.to_relay.end());
  b.to_relay.erase(b.to_relay.end() - 3, b.to_relay.end());
  const Bytes down = udp("10.46.0.2", "10.45.0.2", {9});
  b.run_relay(b.relay.on_network(b.now, down));
  std::vector<Bytes> down_in_flight = std::exchange(b.to_ue, {});
  ASSERT_EQ(down_in_flight.size(), 1u);
  b.pump();
  ASSERT_TRUE(has_event(b.log, "rekeyed"));
  ASSERT_EQ(b.ue->machine()->state(), link::RemoteState::kEstablished);
  // The old KD-sess's packets arrive after the key change.
  for (auto& p : up_in_flight) b.run_relay(b.relay.on_frame(b.now, kUeL2, kRelayL2, p));
  for (auto& p : down_in_flight) b.run(b.ue->on_frame(b.now, kRelayL2, kUeL2, p));
  b.pump();
  ASSERT_EQ(b.network.size(), 6u);
  for (std::uint8_t i = 1; i <= 6; ++i) EXPECT_EQ(b.network[i - 1], packet(i));
  ASSERT_EQ(b.app.size(), 1u);
  EXPECT_EQ(b.app[0], down);
  EXPECT_FALSE(has_event(b.log, "dropped"));
  EXPECT_FALSE(has_event(b.relay_log, "dropped"));
  // Counted from the key change: the next rekey comes with the third packet on the new KD-sess.
  for (std::uint8_t i = 7; i <= 8; ++i) EXPECT_FALSE(send(i));
  EXPECT_TRUE(send(9));
}

// IPv6: the relay advertises its /64 on the link right after the DCA (and answers the UE's Router Solicitation);
// the UE forms prefix + its interface identifier, the address the relay's plan routes to its link.
TEST(IpMode, Ipv6PrefixAdvertisedThenPacketsBothWays) {
  IpBed b(false);
  RelayIpConfig rc{ip::Ipv4Prefix::parse("10.45.0.0/24").value()};
  rc.ipv6_prefix = ip::Ipv6Prefix::parse("2001:db8:45::/64").value();
  rc.link_mtu = 1491;
  ASSERT_TRUE(b.relay.enable_ip(rc).ok());
  ASSERT_TRUE(b.connect());
  EXPECT_EQ(b.ue->machine()->relay_ip_address_config(), ip::ip_address_config_for(ip::Families{true, true}));
  EXPECT_TRUE(has_message(b.relay_log, "Router Advertisement (prefix 2001:db8:45::/64"));
  EXPECT_TRUE(has_message(b.log, "Router Solicitation ("));
  EXPECT_TRUE(has_message(b.relay_log, "Router Solicitation")) << "the relay got the RS and answered it";
  EXPECT_TRUE(has_message(b.log, "Router Advertisement (prefix 2001:db8:45::/64, MTU 1491, protected)"));
  const ip::Ipv6Address mine = ip::Ipv6Address::parse("2001:db8:45::ff:fe00:ee01").value();
  auto applied = all<ApplyIpv6>(b.log);
  ASSERT_EQ(applied.size(), 1u) << "the second RA with the same prefix changes nothing";
  EXPECT_EQ(applied[0]->address, mine);
  EXPECT_EQ(applied[0]->prefix_length, 64);
  EXPECT_TRUE(applied[0]->default_router) << "the RA has a router lifetime: the relay is a default router";
  EXPECT_EQ(b.ue->ipv6_address(), mine);
  EXPECT_TRUE(b.ue->lease().has_value()) << "DHCPv4 as well";
  EXPECT_TRUE(b.app.empty()) << "RAs are the UE's, not its TUN's";
  EXPECT_TRUE(b.relay.ip()->ipv6()->attached(ids::Layer2Id{kUeL2}));

  const auto v6packet = [](const ip::Ipv6Address& from, const ip::Ipv6Address& to) {
    ip::Ipv6Header h;
    h.next_header = ip::kProtocolUdp;
    h.source = from;
    h.destination = to;
    return ip::encode_ipv6(h, Bytes{1, 2, 3, 4, 5, 6, 7, 8}).value();
  };
  const ip::Ipv6Address far = ip::Ipv6Address::parse("2001:db8:46::2").value();
  const Bytes up = v6packet(mine, far);
  b.run(b.ue->send_data(b.now, up));
  b.pump();
  ASSERT_EQ(b.network.size(), 1u);
  EXPECT_EQ(b.network[0], up);
  const Bytes down = v6packet(far, mine);
  b.run_relay(b.relay.on_network(b.now, down));
  b.pump();
  ASSERT_EQ(b.app.size(), 1u);
  EXPECT_EQ(b.app[0], down);
  b.run(b.ue->send_data(b.now, v6packet(ip::Ipv6Address::parse("2001:db8:45::99").value(), far)));
  b.pump();
  EXPECT_EQ(b.network.size(), 1u);
  EXPECT_TRUE(has_event(b.relay_log, "ip-drop"));
}

// DHCPv4 renewal over the link on the services' clock: a 100 s lease is renewed at T1 (50 s) by a DHCPREQUEST to
// the relay; with the relay's answers lost the UE rebinds at T2 (87.5 s) and at the lease's end starts over with a
// DISCOVER, which gets the same address.
TEST(IpMode, LeaseRenewedAtT1AndTakenAgainAfterItEnded) {
  IpBed b(false);
  ASSERT_TRUE(b.relay.enable_ip(RelayIpConfig{ip::Ipv4Prefix::parse("10.45.0.0/24").value(), 100}).ok());
  ASSERT_TRUE(b.connect());
  ASSERT_TRUE(b.ue->lease().has_value());
  const link::TimePoint bound = b.now;
  ASSERT_TRUE(b.ue->next_deadline().has_value());
  EXPECT_LE(*b.ue->next_deadline(), bound + std::chrono::seconds(50));
  // At `t` after the first lease: the UE's timers, the exchange that follows; whether the UE sent `message`.
  const auto at = [&](std::chrono::milliseconds t, const char* message = "") {
    b.now = bound + t;
    auto out = b.ue->on_time(b.now);
    const bool sent = has_message(out, message);
    b.run(std::move(out));
    b.pump();
    return sent;
  };
  using std::chrono::seconds;
  EXPECT_TRUE(at(seconds(50), "DHCPREQUEST (renewing"));
  EXPECT_TRUE(has_event(b.log, "lease")) << "renewed";
  ASSERT_TRUE(b.ue->lease().has_value());
  EXPECT_EQ(b.ue->lease()->address, v4("10.45.0.2"));
  EXPECT_EQ(all<ApplyLease>(b.log).size(), 1u) << "a renewal changes nothing on the interface";

  // From now on the relay's user data (its DHCP answers) are lost.
  b.lose_data = 1000;
  EXPECT_TRUE(at(seconds(100), "DHCPREQUEST (renewing"));  // T1 of the renewed lease
  EXPECT_TRUE(b.ue->lease().has_value()) << "still usable while renewing";
  EXPECT_TRUE(at(seconds(50 + 88), "DHCPREQUEST (rebinding"));  // T2 = 87.5 s after the renewal
  EXPECT_TRUE(at(seconds(50 + 100), "DHCPDISCOVER")) << "the lease ended: start over";
  EXPECT_FALSE(b.ue->lease().has_value());
  b.lose_data = 0;
  at(seconds(50 + 100 + 2));  // the DISCOVER is sent again after kDhcpRetry, now answered
  ASSERT_TRUE(b.ue->lease().has_value());
  EXPECT_EQ(b.ue->lease()->address, v4("10.45.0.2"));
  EXPECT_EQ(all<ApplyLease>(b.log).size(), 2u);
}

// A Direct Rekeying Response (the relay's confirmation of a rekey) still on the air when the UE's next rekey has
// started (rekey_every packets sent on the new KD-sess in less than a round trip) is taken without a drop.
TEST(IpMode, ALateRekeyingResponseIsIgnored) {
  IpBed b(true, true, 2);
  ASSERT_TRUE(b.connect());
  const auto send = [&](std::uint8_t i) { b.run(b.ue->send_data(b.now, udp("10.45.0.2", "10.46.0.2", {i}))); };
  send(1);
  send(2);  // the DRRq
  // Carry frames one side at a time until the relay's Direct Rekeying Response is on its way: hold it.
  std::vector<Bytes> held;
  for (int round = 0; round < 10 && held.empty(); ++round) {
    for (auto& p : std::exchange(b.to_relay, {})) b.run_relay(b.relay.on_frame(b.now, kUeL2, kRelayL2, p));
    for (auto& p : std::exchange(b.to_ue, {})) {
      if (b.ue->machine()->state() == link::RemoteState::kEstablished && has_event(b.log, "rekeyed"))
        held.push_back(std::move(p));  // after the switch: the Response
      else
        b.run(b.ue->on_frame(b.now, kRelayL2, kUeL2, p));
    }
  }
  ASSERT_FALSE(held.empty());
  ASSERT_EQ(b.ue->machine()->state(), link::RemoteState::kEstablished);
  send(3);
  send(4);  // the next DRRq
  ASSERT_EQ(b.ue->machine()->state(), link::RemoteState::kRekeying);
  for (auto& p : held) b.run(b.ue->on_frame(b.now, kRelayL2, kUeL2, p));
  EXPECT_FALSE(has_event(b.log, "dropped"));
  b.pump();
  EXPECT_EQ(b.ue->machine()->state(), link::RemoteState::kEstablished) << "the second rekey completes";
  EXPECT_FALSE(has_event(b.log, "dropped"));
}

}  // namespace
}  // namespace prose::service

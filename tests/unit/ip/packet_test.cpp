#include "prose/ip/packet.h"

#include <gtest/gtest.h>

#include "prose/ip/checksum.h"
#include "prose/ip/udp.h"
#include "test_util.h"

namespace prose::ip {
namespace {

using testing::hx;

// The textbook IPv4 header (UDP, 192.168.0.1 -> 192.168.0.199, total length 115, DF, TTL 64) whose checksum b861 is
// worked by hand: 4500+0073+0000+4000+4011+c0a8+0001+c0a8+00c7 = 0x2479c, folded 0x479e, complemented 0xb861.
const char* kIpv4Header = "4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7";
const Bytes kPayload(95, 0);                    // 115 - 20
const char* kIcmpEcho = "0800 f7ff 0000 0000";  // ICMP echo: type 8, code 0, checksum ~0x0800, id 0, seq 0

TEST(IpPacket, ParsesAnIpv4PacketBuiltByHand) {
  Bytes pkt = concat({hx(kIpv4Header), kPayload});
  auto p = parse_ipv4(pkt);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->header.header_length, 20);
  EXPECT_EQ(p->header.total_length, 115);
  EXPECT_EQ(p->header.identification, 0);
  EXPECT_EQ(p->header.flags_fragment, 0x4000);
  EXPECT_EQ(p->header.ttl, 64);
  EXPECT_EQ(p->header.protocol, kProtocolUdp);
  EXPECT_EQ(p->header.source.to_string(), "192.168.0.1");
  EXPECT_EQ(p->header.destination.to_string(), "192.168.0.199");
  EXPECT_EQ(p->payload.size(), 95u);
  EXPECT_TRUE(p->options.empty());
  auto any = parse_ip(pkt);
  ASSERT_TRUE(any.ok());
  EXPECT_TRUE(std::holds_alternative<Ipv4Packet>(*any));
}

TEST(IpPacket, Ipv4ChecksumIsCheckedAndComputed) {
  Bytes header = hx(kIpv4Header);
  EXPECT_TRUE(ipv4_header_checksum_ok(header));
  Bytes zeroed = header;
  zeroed[10] = zeroed[11] = 0;
  EXPECT_EQ(internet_checksum(zeroed), 0xb861);
  Bytes pkt = concat({header, kPayload});
  pkt[8] = 63;  // TTL changed without updating the checksum
  auto p = parse_ipv4(pkt);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, Errc::kMalformed);
  EXPECT_NE(p.error().message.find("checksum"), std::string::npos);
  EXPECT_EQ(internet_checksum(hx(kIcmpEcho)), 0) << "the ICMP checksum in the vector is right";
}

TEST(IpPacket, EncodeIpv4RoundTripsAndMatchesTheHandBuiltHeader) {
  Ipv4Header h;
  h.flags_fragment = 0x4000;
  h.ttl = 64;
  h.protocol = kProtocolUdp;
  h.source = *Ipv4Address::parse("192.168.0.1");
  h.destination = *Ipv4Address::parse("192.168.0.199");
  auto pkt = encode_ipv4(h, kPayload);
  ASSERT_TRUE(pkt.ok());
  EXPECT_EQ(*pkt, concat({hx(kIpv4Header), kPayload}));
}

TEST(IpPacket, RefusesTruncatedAndInconsistentIpv4) {
  Bytes good = concat({hx(kIpv4Header), kPayload});
  // Every strict prefix is refused.
  for (std::size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(parse_ipv4(ByteView(good).first(n)).ok()) << n;
    EXPECT_FALSE(parse_ip(ByteView(good).first(n)).ok()) << n;
  }
  auto shorter = parse_ipv4(ByteView(good).first(100));
  ASSERT_FALSE(shorter.ok());
  EXPECT_EQ(shorter.error().code, Errc::kTruncated);
  EXPECT_NE(shorter.error().message.find("total length 115"), std::string::npos) << shorter.error().message;
  // Trailing octets after Total Length.
  Bytes longer = good;
  longer.push_back(0);
  auto l = parse_ipv4(longer);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().code, Errc::kMalformed);
  // IHL below 5.
  Bytes ihl = good;
  ihl[0] = 0x44;
  auto i = parse_ipv4(ihl);
  ASSERT_FALSE(i.ok());
  EXPECT_NE(i.error().message.find("IHL 4"), std::string::npos) << i.error().message;
  // IHL pointing past Total Length (IHL 15 = 60 octets in a 40-octet packet).
  Bytes big_ihl =
      hx("4f00 0028 0000 0000 4011 0000 0a00 0001 0a00 0002 0000 0000 0000 0000 0000 0000 0000 0000 0000 0000");
  std::uint16_t c = internet_checksum(ByteView(big_ihl).first(20));
  big_ihl[10] = static_cast<std::uint8_t>(c >> 8);
  big_ihl[11] = static_cast<std::uint8_t>(c);
  EXPECT_FALSE(parse_ipv4(big_ihl).ok());
  // Wrong version.
  Bytes v5 = good;
  v5[0] = 0x55;
  EXPECT_EQ(parse_ip(v5).error().code, Errc::kUnsupported);
  EXPECT_EQ(parse_ipv4(v5).error().code, Errc::kMalformed);
}

TEST(IpPacket, Ipv4WithOptions) {
  // IHL 6: one 4-octet option (NOP NOP NOP EOL); checksum over 24 octets.
  Bytes pkt = hx("4600 0018 0000 0000 4011 0000 0a00 0001 0a00 0002 0101 0100");
  std::uint16_t c = internet_checksum(pkt);
  pkt[10] = static_cast<std::uint8_t>(c >> 8);
  pkt[11] = static_cast<std::uint8_t>(c);
  auto p = parse_ipv4(pkt);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->header.header_length, 24);
  EXPECT_EQ(p->options.size(), 4u);
  EXPECT_TRUE(p->payload.empty());
}

const char* kIpv6Header =
    "6000 0000 0008 3a40"                       // version 6, TC 0, flow 0, payload 8, next header 58, hop limit 64
    "2001 0db8 0000 0000 0000 0000 0000 0001"   // source
    "2001 0db8 0000 0000 0000 0000 0000 0002";  // destination

TEST(IpPacket, ParsesAnIpv6PacketBuiltByHand) {
  Bytes pkt = concat({hx(kIpv6Header), hx("8000 0000 0000 0000")});
  auto p = parse_ipv6(pkt);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->header.payload_length, 8);
  EXPECT_EQ(p->header.next_header, kProtocolIcmpv6);
  EXPECT_EQ(p->header.hop_limit, 64);
  EXPECT_EQ(p->header.source.to_string(), "2001:db8::1");
  EXPECT_EQ(p->header.destination.to_string(), "2001:db8::2");
  auto any = parse_ip(pkt);
  ASSERT_TRUE(any.ok());
  EXPECT_TRUE(std::holds_alternative<Ipv6Packet>(*any));
  auto again = encode_ipv6(p->header, p->payload);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, pkt);
}

TEST(IpPacket, RefusesTruncatedAndInconsistentIpv6) {
  Bytes good = concat({hx(kIpv6Header), hx("8000 0000 0000 0000")});
  for (std::size_t n = 0; n < good.size(); ++n) EXPECT_FALSE(parse_ipv6(ByteView(good).first(n)).ok()) << n;
  auto header_only = parse_ipv6(ByteView(good).first(40));
  ASSERT_FALSE(header_only.ok());
  EXPECT_EQ(header_only.error().code, Errc::kTruncated);
  Bytes longer = good;
  longer.push_back(0);
  EXPECT_EQ(parse_ipv6(longer).error().code, Errc::kMalformed);
  Bytes v4 = good;
  v4[0] = 0x40;
  EXPECT_FALSE(parse_ipv6(v4).ok());
}

TEST(IpPacket, Ipv6PseudoHeaderChecksum) {
  // ICMPv6 echo request 2001:db8::1 -> 2001:db8::2, id 0x1234, sequence 1, no data. By hand: 2001+0db8+0001 +
  // 2001+0db8+0002 + 0008 (length) + 003a (next header) + 8000+1234+0001 = 0xedec, complemented 0x1213.
  auto src = *Ipv6Address::parse("2001:db8::1");
  auto dst = *Ipv6Address::parse("2001:db8::2");
  Bytes icmp = hx("8000 0000 1234 0001");
  EXPECT_EQ(checksum_finish(checksum_add(ipv6_pseudo_header_sum(src, dst, kProtocolIcmpv6, 8), icmp)), 0x1213);
  icmp[2] = 0x12;
  icmp[3] = 0x13;
  EXPECT_EQ(checksum_finish(checksum_add(ipv6_pseudo_header_sum(src, dst, kProtocolIcmpv6, 8), icmp)), 0);
}

TEST(IpPacket, UdpRoundTripAndChecksum) {
  auto src = *Ipv4Address::parse("10.45.0.2");
  auto dst = *Ipv4Address::parse("10.45.0.1");
  Bytes payload = {1, 2, 3};
  auto pkt = encode_ipv4_udp(src, 5000, dst, 6000, payload);
  ASSERT_TRUE(pkt.ok());
  auto p = parse_ipv4(*pkt);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  auto u = parse_ipv4_udp(*p);
  ASSERT_TRUE(u.ok()) << u.error().to_string();
  EXPECT_EQ(u->source_port, 5000);
  EXPECT_EQ(u->destination_port, 6000);
  EXPECT_EQ(Bytes(u->payload.begin(), u->payload.end()), payload);
  // A flipped payload bit breaks the UDP checksum (the IPv4 header checksum does not cover it).
  Bytes bad = *pkt;
  bad.back() ^= 0x01;
  auto bp = parse_ipv4(bad);
  ASSERT_TRUE(bp.ok());
  auto bu = parse_ipv4_udp(*bp);
  ASSERT_FALSE(bu.ok());
  EXPECT_NE(bu.error().message.find("checksum"), std::string::npos);
  // A UDP length that disagrees with the IP payload.
  Bytes len = *pkt;
  len[20 + 5] = 10;
  auto lp = parse_ipv4(len);
  ASSERT_TRUE(lp.ok());
  EXPECT_EQ(parse_ipv4_udp(*lp).error().code, Errc::kMalformed);
}

}  // namespace
}  // namespace prose::ip

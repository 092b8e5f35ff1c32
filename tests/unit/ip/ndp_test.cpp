// IPv6 router discovery (prose/ip/ndp.h): the relay's Router Advertisement and the Remote UE's Router Solicitation
// byte for byte against packets written here field by field from RFC 4861 4.1, 4.2, 4.6.2 and 4.6.4 (checksums
// computed separately over the RFC 8200 8.1 pseudo-header), and the RFC 4861 6.1 validity checks.
#include <gtest/gtest.h>

#include "prose/ip/address_pool.h"
#include "prose/ip/checksum.h"
#include "prose/ip/ndp.h"
#include "prose/ip/packet.h"
#include "test_util.h"

namespace prose::ip::ndp {
namespace {

using testing::hx;

Ipv6Address v6(const char* s) { return Ipv6Address::parse(s).value(); }

// fe80::1 -> ff02::1: cur hop limit 64, M/O clear, router lifetime 1800 s, prefix 2001:db8:45::/64 with L and A,
// valid 30 days, preferred 7 days, MTU 1491.
Bytes hand_built_ra() {
  return hx(
      "60000000 0038 3a ff"                     // IPv6: version 6, payload 56, next header 58, hop limit 255
      "fe800000000000000000000000000001"        // source fe80::1
      "ff020000000000000000000000000001"        // destination ff02::1
      "86 00 f0b7"                              // type 134, code 0, checksum
      "40 00 0708"                              // cur hop limit 64, M=0 O=0, router lifetime 1800
      "00000000 00000000"                       // reachable time, retrans timer: unspecified
      "03 04 40 c0 00278d00 00093a80 00000000"  // prefix information: /64, L|A, 2592000, 604800, reserved2
      "20010db8004500000000000000000000"        // prefix 2001:db8:45::
      "05 01 0000 000005d3");                   // MTU 1491
}

RouterAdvertisement relay_ra() {
  RouterAdvertisement ra;
  ra.prefix = PrefixInformation{Ipv6Prefix::parse("2001:db8:45::/64").value()};
  ra.mtu = 1491;
  return ra;
}

TEST(Ndp, RouterAdvertisementIsByteExact) {
  auto built = encode_router_advertisement(relay_link_local(), all_nodes(), relay_ra());
  ASSERT_TRUE(built.ok()) << built.error().to_string();
  EXPECT_EQ(*built, hand_built_ra());
  auto parsed = parse_router_advertisement(hand_built_ra());
  ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
  EXPECT_EQ(*parsed, relay_ra());
  EXPECT_EQ(icmpv6_type(hand_built_ra()), kTypeRouterAdvertisement);
}

TEST(Ndp, RouterSolicitationIsByteExact) {
  const Bytes rs =
      hx("60000000 0008 3a ff"
         "fe80000000000000000000fffe00ee31"  // fe80:: + the interface identifier of layer-2 ID 0x00ee31
         "ff020000000000000000000000000002"  // all-routers
         "85 00 9005 00000000");             // type 133, code 0, checksum, reserved
  EXPECT_EQ(link_local_for(0x00ee31), v6("fe80::ff:fe00:ee31"));
  auto built = encode_router_solicitation(link_local_for(0x00ee31));
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(*built, rs);
  EXPECT_TRUE(parse_router_solicitation(rs).ok());
  EXPECT_EQ(icmpv6_type(rs), kTypeRouterSolicitation);
  EXPECT_FALSE(parse_router_advertisement(rs).ok()) << "an RS is no RA";
}

// RFC 4861 6.1.2: hop limit 255, checksum, code 0, length >= 16, options of length > 0, a link-local source.
TEST(Ndp, InvalidAdvertisementsAreRefused) {
  const auto refused = [](Bytes p, std::size_t at, std::uint8_t value, const char* want) {
    p[at] = value;
    auto r = parse_router_advertisement(p);
    ASSERT_FALSE(r.ok()) << want;
    EXPECT_NE(r.error().to_string().find(want), std::string::npos) << r.error().to_string();
  };
  refused(hand_built_ra(), 7, 64, "hop limit 64");
  refused(hand_built_ra(), 41, 1, "code 1");
  refused(hand_built_ra(), 60, 0x41, "checksum mismatch");  // the flags octet, checksum left as it was
  auto global =
      parse_router_advertisement(encode_router_advertisement(v6("2001:db8::1"), all_nodes(), relay_ra()).value());
  ASSERT_FALSE(global.ok());
  EXPECT_NE(global.error().to_string().find("not link-local"), std::string::npos) << global.error().to_string();
  Bytes zero_length = hand_built_ra();
  zero_length[kIpv6HeaderSize + kRaSize + 1] = 0;  // the prefix option's length
  EXPECT_FALSE(parse_router_advertisement(zero_length).ok());
  Bytes short_ra =
      hx("60000000 0008 3a ff fe800000000000000000000000000001 ff020000000000000000000000000001 86 00 0000 40000708");
  EXPECT_FALSE(parse_router_advertisement(short_ra).ok());
  EXPECT_FALSE(icmpv6_type(hx("45000014")).has_value());
}

// Unknown options are skipped (RFC 4861 4.6); the prefix's bits after its length are ignored (4.6.2).
TEST(Ndp, UnknownOptionsSkippedAndPrefixBitsBeyondTheLengthIgnored) {
  RouterAdvertisement ra = relay_ra();
  Bytes p = encode_router_advertisement(relay_link_local(), all_nodes(), ra).value();
  // Rebuild with an unknown option (type 200, 8 octets) in front, a host bit set in the prefix, fresh checksum.
  Bytes icmp(p.begin() + kIpv6HeaderSize, p.end());
  icmp.insert(icmp.begin() + kRaSize, {200, 1, 0, 0, 0, 0, 0, 0});
  icmp[kRaSize + 8 + 16 + 15] = 0x01;  // last octet of the prefix
  Ipv6Header h{0, 0, 0, kProtocolIcmpv6, kHopLimit, relay_link_local(), all_nodes()};
  icmp[2] = icmp[3] = 0;
  const std::uint16_t c = checksum_finish(checksum_add(
      ipv6_pseudo_header_sum(h.source, h.destination, kProtocolIcmpv6, static_cast<std::uint32_t>(icmp.size())), icmp));
  icmp[2] = static_cast<std::uint8_t>(c >> 8);
  icmp[3] = static_cast<std::uint8_t>(c);
  auto parsed = parse_router_advertisement(encode_ipv6(h, icmp).value());
  ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
  EXPECT_EQ(*parsed, ra);
}

TEST(Ndp, SolicitationFromTheUnspecifiedAddressWithoutALinkLayerOption) {
  Bytes rs = encode_router_solicitation(Ipv6Address{}).value();
  EXPECT_TRUE(parse_router_solicitation(rs).ok());
  rs[7] = 1;
  EXPECT_FALSE(parse_router_solicitation(rs).ok()) << "hop limit 1";
}

TEST(Ndp, SlaacAddressIsThePlansAddress) {
  const Ipv6Prefix p = Ipv6Prefix::parse("2001:db8:45::/64").value();
  EXPECT_EQ(slaac_address(p, 0x00ee31).value(), v6("2001:db8:45::ff:fe00:ee31"));
  EXPECT_EQ(slaac_address(p, 0x00ee31).value(), Ipv6Plan::create(p).value().address_for(Layer2Id{0x00ee31}));
  EXPECT_FALSE(slaac_address(Ipv6Prefix::parse("2001:db8::/48").value(), 1).ok());
}

}  // namespace
}  // namespace prose::ip::ndp

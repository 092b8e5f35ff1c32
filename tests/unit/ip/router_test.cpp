#include "prose/ip/router.h"

#include <gtest/gtest.h>

#include "prose/ip/dhcpv4_constants.h"
#include "prose/ip/packet.h"
#include "prose/ip/udp.h"

namespace prose::ip {
namespace {

Ipv4Address v4(const char* s) { return *Ipv4Address::parse(s); }
Ipv6Address v6(const char* s) { return *Ipv6Address::parse(s); }

Bytes udp4(const char* src, const char* dst, std::uint16_t dport = 9) {
  return *encode_ipv4_udp(v4(src), 40000, v4(dst), dport, Bytes{1, 2, 3});
}

Bytes udp6(Ipv6Address src, Ipv6Address dst) {
  Ipv6Header h;
  h.next_header = kProtocolUdp;
  h.source = src;
  h.destination = dst;
  return *encode_ipv6(h, Bytes(8, 0));
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pool.allocate(a).ok());  // 10.45.0.2
    ASSERT_TRUE(pool.allocate(b).ok());  // 10.45.0.3
    plan.attach(a);
    plan.attach(b);
  }
  Layer2Id a{0x00000A}, b{0x00000B}, stranger{0x00000C};
  Ipv4Pool pool = *Ipv4Pool::create(*Ipv4Prefix::parse("10.45.0.0/24"));
  Ipv6Plan plan = *Ipv6Plan::create(*Ipv6Prefix::parse("2001:db8:45::/64"));
  Router router{&pool, &plan};
};

TEST_F(RouterTest, UplinkFromTheAssignedAddressGoesToTheNetwork) {
  auto d = router.uplink(a, udp4("10.45.0.2", "8.8.8.8"));
  EXPECT_EQ(d.action, RouteAction::kToNetwork) << d.detail;
  EXPECT_EQ(d.link, a);
  EXPECT_TRUE(d.forwarded());
  auto d6 = router.uplink(b, udp6(plan.address_for(b), v6("2001:4860::8888")));
  EXPECT_EQ(d6.action, RouteAction::kToNetwork) << d6.detail;
}

TEST_F(RouterTest, UplinkWithAnotherLinksSourceIsDroppedAsSpoofed) {
  auto d = router.uplink(a, udp4("10.45.0.3", "8.8.8.8"));  // b's address, sent on a's link
  EXPECT_EQ(d.action, RouteAction::kDrop);
  EXPECT_EQ(d.reason, DropReason::kSpoofedSource);
  EXPECT_NE(d.detail.find("10.45.0.3"), std::string::npos) << d.detail;
  EXPECT_EQ(drop_reason_name(d.reason), "spoofed-source");
  auto outside = router.uplink(a, udp4("192.0.2.1", "8.8.8.8"));
  EXPECT_EQ(outside.reason, DropReason::kSpoofedSource);
  auto d6 = router.uplink(a, udp6(plan.address_for(b), v6("2001:4860::8888")));
  EXPECT_EQ(d6.reason, DropReason::kSpoofedSource) << d6.detail;
}

TEST_F(RouterTest, UplinkFromALinkWithoutAddressIsDropped) {
  auto d = router.uplink(stranger, udp4("10.45.0.9", "8.8.8.8"));
  EXPECT_EQ(d.action, RouteAction::kDrop);
  EXPECT_EQ(d.reason, DropReason::kNoAddressAssigned);
  auto d6 = router.uplink(stranger, udp6(plan.address_for(stranger), v6("2001:4860::8888")));
  EXPECT_EQ(d6.reason, DropReason::kNoAddressAssigned);
}

TEST_F(RouterTest, DhcpAndLinkLocalStayWithTheRelay) {
  // A DHCPDISCOVER from a link without an address: 0.0.0.0:68 -> 255.255.255.255:67.
  Bytes discover = *encode_ipv4_udp(Ipv4Address{}, dhcpv4::kClientPort, Ipv4Address::from_value(0xFFFFFFFFu),
                                    dhcpv4::kServerPort, Bytes{0});
  EXPECT_EQ(router.uplink(stranger, discover).action, RouteAction::kToRelay);
  EXPECT_EQ(router.uplink(a, udp4("10.45.0.2", "10.45.0.1", dhcpv4::kServerPort)).action, RouteAction::kToRelay);
  // Not to port 67: an unassigned source is still dropped.
  Bytes other = *encode_ipv4_udp(Ipv4Address{}, 68, Ipv4Address::from_value(0xFFFFFFFFu), 69, Bytes{0});
  EXPECT_EQ(router.uplink(stranger, other).action, RouteAction::kDrop);
  // Router solicitation to ff02::2 from fe80::.
  EXPECT_EQ(router.uplink(stranger, udp6(v6("fe80::1"), v6("ff02::2"))).action, RouteAction::kToRelay);
}

TEST_F(RouterTest, DownlinkGoesToTheLinkOwningTheDestination) {
  auto d = router.downlink(udp4("8.8.8.8", "10.45.0.3"));
  EXPECT_EQ(d.action, RouteAction::kToLink) << d.detail;
  EXPECT_EQ(d.link, b);
  auto da = router.downlink(udp4("8.8.8.8", "10.45.0.2"));
  EXPECT_EQ(da.link, a);
  auto d6 = router.downlink(udp6(v6("2001:4860::8888"), plan.address_for(a)));
  EXPECT_EQ(d6.action, RouteAction::kToLink) << d6.detail;
  EXPECT_EQ(d6.link, a);
}

TEST_F(RouterTest, DownlinkToNoRemoteUeIsDropped) {
  auto d = router.downlink(udp4("8.8.8.8", "10.45.0.77"));
  EXPECT_EQ(d.action, RouteAction::kDrop);
  EXPECT_EQ(d.reason, DropReason::kUnknownDestination);
  EXPECT_FALSE(d.link.has_value());
  EXPECT_EQ(router.downlink(udp4("8.8.8.8", "10.45.0.1")).reason, DropReason::kUnknownDestination);
  ASSERT_TRUE(pool.release(b).ok());
  EXPECT_EQ(router.downlink(udp4("8.8.8.8", "10.45.0.3")).reason, DropReason::kUnknownDestination)
      << "a released address is no longer routed";
  EXPECT_EQ(router.downlink(udp6(v6("2001:4860::8888"), plan.address_for(stranger))).reason,
            DropReason::kUnknownDestination);
}

TEST_F(RouterTest, MalformedPacketsAreDropped) {
  Bytes pkt = udp4("10.45.0.2", "8.8.8.8");
  pkt.pop_back();
  EXPECT_EQ(router.uplink(a, pkt).reason, DropReason::kMalformed);
  EXPECT_EQ(router.downlink(Bytes{}).reason, DropReason::kMalformed);
  EXPECT_EQ(router.downlink(Bytes{0x45}).reason, DropReason::kMalformed);
}

TEST(Router, FamiliesTheRelayDoesNotOfferAreDropped) {
  auto pool = *Ipv4Pool::create(*Ipv4Prefix::parse("10.45.0.0/24"));
  ASSERT_TRUE(pool.allocate(Layer2Id{1}).ok());
  Router v4_only(&pool, nullptr);
  EXPECT_EQ(v4_only.uplink(Layer2Id{1}, udp6(v6("2001:db8::1"), v6("2001:db8::2"))).reason,
            DropReason::kFamilyNotOffered);
  Router v6_only(nullptr, nullptr);
  EXPECT_EQ(v6_only.downlink(udp4("8.8.8.8", "10.45.0.2")).reason, DropReason::kFamilyNotOffered);
}

}  // namespace
}  // namespace prose::ip

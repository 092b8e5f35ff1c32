#include "prose/ip/address.h"

#include <gtest/gtest.h>

namespace prose::ip {
namespace {

TEST(IpAddress, Ipv4ParsesAndPrints) {
  auto a = Ipv4Address::parse("10.45.0.7");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->value(), 0x0A2D0007u);
  EXPECT_EQ(a->to_string(), "10.45.0.7");
  EXPECT_EQ(Ipv4Address::from_value(0xC0A80101u).to_string(), "192.168.1.1");
  for (const char* bad : {"", "10.45.0", "10.45.0.256", "10.45.0.1/24", "a.b.c.d", " 10.45.0.1"}) {
    auto r = Ipv4Address::parse(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  }
}

TEST(IpAddress, Ipv6ParsesAndPrintsCanonically) {
  auto a = Ipv6Address::parse("2001:DB8:0:0:0:0:0:1");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->to_string(), "2001:db8::1");  // RFC 5952
  EXPECT_EQ(a->octets[0], 0x20);
  EXPECT_EQ(a->octets[15], 0x01);
  EXPECT_TRUE(Ipv6Address::parse("fe80::1")->is_link_local());
  EXPECT_TRUE(Ipv6Address::parse("ff02::2")->is_multicast());
  EXPECT_TRUE(Ipv6Address::parse("::")->is_unspecified());
  EXPECT_FALSE(Ipv6Address::parse("2001:db8::g").ok());
  EXPECT_FALSE(Ipv6Address::parse("1:2:3:4:5:6:7:8:9").ok());
}

TEST(IpPrefix, Ipv4PrefixParsesAndComputesMaskAndBroadcast) {
  auto p = Ipv4Prefix::parse("10.45.0.0/24");
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->to_string(), "10.45.0.0/24");
  EXPECT_EQ(p->netmask().to_string(), "255.255.255.0");
  EXPECT_EQ(p->broadcast().to_string(), "10.45.0.255");
  EXPECT_TRUE(p->contains(*Ipv4Address::parse("10.45.0.200")));
  EXPECT_FALSE(p->contains(*Ipv4Address::parse("10.45.1.1")));
  EXPECT_EQ(Ipv4Prefix::parse("0.0.0.0/0")->netmask().value(), 0u);
  EXPECT_EQ(Ipv4Prefix::parse("10.1.2.3/32")->netmask().value(), 0xFFFFFFFFu);
}

TEST(IpPrefix, Ipv4PrefixRefusesHostBitsAndBadLengths) {
  auto host = Ipv4Prefix::parse("10.45.0.1/24");
  ASSERT_FALSE(host.ok());
  EXPECT_NE(host.error().message.find("host bits"), std::string::npos) << host.error().message;
  for (const char* bad : {"10.45.0.0", "10.45.0.0/", "10.45.0.0/33", "10.45.0.0/-1", "10.45.0.0/2x", "/24"}) {
    EXPECT_FALSE(Ipv4Prefix::parse(bad).ok()) << bad;
  }
}

TEST(IpPrefix, NetmaskToLength) {
  EXPECT_EQ(*ipv4_prefix_length(*Ipv4Address::parse("255.255.255.0")), 24);
  EXPECT_EQ(*ipv4_prefix_length(*Ipv4Address::parse("255.255.255.255")), 32);
  EXPECT_EQ(*ipv4_prefix_length(*Ipv4Address::parse("0.0.0.0")), 0);
  EXPECT_FALSE(ipv4_prefix_length(*Ipv4Address::parse("255.0.255.0")).ok());
}

TEST(IpPrefix, Ipv6Prefix) {
  auto p = Ipv6Prefix::parse("2001:db8:1:2::/64");
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->to_string(), "2001:db8:1:2::/64");
  EXPECT_TRUE(p->contains(*Ipv6Address::parse("2001:db8:1:2:abcd::1")));
  EXPECT_FALSE(p->contains(*Ipv6Address::parse("2001:db8:1:3::1")));
  EXPECT_FALSE(Ipv6Prefix::parse("2001:db8:1:2::1/64").ok());
  EXPECT_FALSE(Ipv6Prefix::parse("2001:db8::/129").ok());
  EXPECT_TRUE(Ipv6Prefix::parse("2001:db8::/0").ok() == false);  // host bits set for /0
  EXPECT_TRUE(Ipv6Prefix::parse("::/0").ok());
}

}  // namespace
}  // namespace prose::ip

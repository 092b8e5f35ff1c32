#include "prose/ip/address_pool.h"

#include <gtest/gtest.h>

namespace prose::ip {
namespace {

Ipv4Pool pool(const char* cidr) {
  auto p = Ipv4Pool::create(*Ipv4Prefix::parse(cidr));
  if (!p.ok()) std::abort();
  return *p;
}

TEST(Ipv4Pool, RelayTakesTheFirstHostAndRemoteUesTheNextOnes) {
  Ipv4Pool p = pool("10.45.0.0/24");
  EXPECT_EQ(p.relay_address().to_string(), "10.45.0.1");
  EXPECT_EQ(p.netmask().to_string(), "255.255.255.0");
  EXPECT_EQ(p.capacity(), 253u);
  EXPECT_EQ(p.allocate(Layer2Id{0xA1})->to_string(), "10.45.0.2");
  EXPECT_EQ(p.allocate(Layer2Id{0xA2})->to_string(), "10.45.0.3");
  EXPECT_EQ(p.allocate(Layer2Id{0xA1})->to_string(), "10.45.0.2") << "a link asking again keeps its address";
  EXPECT_EQ(p.in_use(), 2u);
  EXPECT_EQ(p.address_of(Layer2Id{0xA2})->to_string(), "10.45.0.3");
  EXPECT_EQ(*p.link_of(*Ipv4Address::parse("10.45.0.2")), Layer2Id{0xA1});
  EXPECT_FALSE(p.link_of(*Ipv4Address::parse("10.45.0.1")).has_value()) << "the relay's own address is no link's";
  EXPECT_FALSE(p.address_of(Layer2Id{0xA3}).has_value());
}

TEST(Ipv4Pool, ReleasedAddressesAreReused) {
  Ipv4Pool p = pool("10.45.0.0/24");
  ASSERT_TRUE(p.allocate(Layer2Id{1}).ok());
  ASSERT_TRUE(p.allocate(Layer2Id{2}).ok());
  ASSERT_TRUE(p.allocate(Layer2Id{3}).ok());
  ASSERT_TRUE(p.release(Layer2Id{2}).ok());
  EXPECT_FALSE(p.link_of(*Ipv4Address::parse("10.45.0.3")).has_value());
  EXPECT_EQ(p.allocate(Layer2Id{4})->to_string(), "10.45.0.3") << "the lowest free address first";
  EXPECT_EQ(p.allocate(Layer2Id{5})->to_string(), "10.45.0.5");
  auto again = p.release(Layer2Id{2});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::kNotFound);
}

TEST(Ipv4Pool, ExhaustionIsAClearError) {
  Ipv4Pool p = pool("10.45.0.0/29");  // .0 network, .1 relay, .2-.6 Remote UEs, .7 broadcast
  EXPECT_EQ(p.capacity(), 5u);
  for (std::uint32_t i = 0; i < 5; ++i) {
    auto a = p.allocate(Layer2Id{100 + i});
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->value(), 0x0A2D0002u + i);
  }
  auto full = p.allocate(Layer2Id{200});
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, Errc::kConflict);
  EXPECT_NE(full.error().message.find("exhausted"), std::string::npos) << full.error().message;
  ASSERT_TRUE(p.release(Layer2Id{102}).ok());
  EXPECT_EQ(p.allocate(Layer2Id{200})->to_string(), "10.45.0.4");
}

TEST(Ipv4Pool, RefusesPrefixesWithoutRoom) {
  EXPECT_FALSE(Ipv4Pool::create(*Ipv4Prefix::parse("10.45.0.0/31")).ok());
  EXPECT_FALSE(Ipv4Pool::create(*Ipv4Prefix::parse("10.45.0.0/32")).ok());
  auto p30 = Ipv4Pool::create(*Ipv4Prefix::parse("10.45.0.0/30"));
  ASSERT_TRUE(p30.ok());
  EXPECT_EQ(p30->capacity(), 1u);
  EXPECT_EQ(p30->allocate(Layer2Id{1})->to_string(), "10.45.0.2");
  EXPECT_FALSE(p30->allocate(Layer2Id{2}).ok());
}

TEST(Ipv6Plan, AddressesFromThePrefixAndTheLinkIdentifier) {
  auto plan = Ipv6Plan::create(*Ipv6Prefix::parse("2001:db8:45::/64"));
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->relay_address().to_string(), "2001:db8:45::1");
  // MAC 02:00:00:12:34:56 -> modified EUI-64 0000:00ff:fe12:3456.
  EXPECT_EQ(plan->address_for(Layer2Id{0x123456}).to_string(), "2001:db8:45::ff:fe12:3456");
  auto mac = link_mac(Layer2Id{0x123456});
  EXPECT_EQ(mac, (std::array<std::uint8_t, 6>{0x02, 0x00, 0x00, 0x12, 0x34, 0x56}));
  EXPECT_FALSE(plan->link_of(plan->address_for(Layer2Id{0x123456})).has_value()) << "not attached yet";
  EXPECT_EQ(plan->attach(Layer2Id{0x123456}), plan->address_for(Layer2Id{0x123456}));
  EXPECT_EQ(*plan->link_of(*Ipv6Address::parse("2001:db8:45::ff:fe12:3456")), Layer2Id{0x123456});
  EXPECT_FALSE(plan->link_of(plan->relay_address()).has_value());
  EXPECT_FALSE(plan->link_of(*Ipv6Address::parse("2001:db8:46::ff:fe12:3456")).has_value()) << "other prefix";
  EXPECT_FALSE(plan->link_of(*Ipv6Address::parse("2001:db8:45::1:ff:fe12:3456")).has_value()) << "no marker";
  ASSERT_TRUE(plan->detach(Layer2Id{0x123456}).ok());
  EXPECT_FALSE(plan->link_of(plan->address_for(Layer2Id{0x123456})).has_value());
  EXPECT_EQ(plan->detach(Layer2Id{0x123456}).error().code, Errc::kNotFound);
}

TEST(Ipv6Plan, NeedsASlash64) {
  EXPECT_FALSE(Ipv6Plan::create(*Ipv6Prefix::parse("2001:db8::/48")).ok());
  EXPECT_FALSE(Ipv6Plan::create(*Ipv6Prefix::parse("2001:db8::/96")).ok());
}

}  // namespace
}  // namespace prose::ip

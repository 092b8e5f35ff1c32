#include "prose/ip/address_config.h"

#include <gtest/gtest.h>

namespace prose::ip {
namespace {

TEST(AddressConfig, FamiliesMapToTheIpAddressConfigValues) {
  EXPECT_EQ(static_cast<int>(ip_address_config_for({true, false})), 1);   // DHCPv4 server
  EXPECT_EQ(static_cast<int>(ip_address_config_for({false, true})), 2);   // IPv6 router
  EXPECT_EQ(static_cast<int>(ip_address_config_for({true, true})), 3);    // both
  EXPECT_EQ(static_cast<int>(ip_address_config_for({false, false})), 4);  // address allocation not supported
  for (Families f : {Families{true, false}, Families{false, true}, Families{true, true}, Families{false, false}}) {
    EXPECT_EQ(families_of(ip_address_config_for(f)), f);
  }
}

}  // namespace
}  // namespace prose::ip

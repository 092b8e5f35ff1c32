#include "prose/diameter/time.h"

#include <gtest/gtest.h>

namespace prose::diameter {
namespace {

TEST(DiameterTime, NtpConversion) {
  EXPECT_EQ(unix_to_ntp(0), 2208988800u);
  EXPECT_EQ(ntp_to_unix(unix_to_ntp(1800000000)), 1800000000);
  EXPECT_EQ(ntp_to_unix(unix_to_ntp(2200000000LL)), 2200000000LL);  // after the 2036 NTP era rollover
}

TEST(DiameterTime, WatchdogDelayStaysWithinTheJitterOfRfc3539) {
  for (int i = 0; i < 200; ++i) {
    const auto d = watchdog_delay(std::chrono::seconds(30));
    EXPECT_GE(d, std::chrono::milliseconds(28000));
    EXPECT_LE(d, std::chrono::milliseconds(32000));
  }
}

}  // namespace
}  // namespace prose::diameter

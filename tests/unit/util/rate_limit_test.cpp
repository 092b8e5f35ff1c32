#include "prose/util/rate_limit.h"

#include <gtest/gtest.h>

namespace prose {
namespace {

TEST(LogRateLimiter, OneLineAnIntervalCountingTheSuppressedOnes) {
  LogRateLimiter l(1000);
  EXPECT_EQ(l.allow(5000), 0u) << "the first event is logged";
  for (int i = 1; i < 5000; ++i) EXPECT_FALSE(l.allow(5000 + i % 1000 / 2).has_value());
  EXPECT_EQ(l.allow(6000), 4999u) << "the next line says how many were not";
  EXPECT_FALSE(l.allow(6999).has_value());
  EXPECT_EQ(l.allow(7000), 1u);
  EXPECT_EQ(l.allow(60000), 0u) << "quiet again";
}

TEST(TokenBucket, BurstThenRateAndNoCreditForAClockThatStepsBack) {
  TokenBucket b(10, 1000, 5);  // 10 a second, 5 at once
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(b.take(1000)) << i;
  EXPECT_FALSE(b.take(1000)) << "the burst is spent";
  EXPECT_FALSE(b.take(1099)) << "0.99 of a token";
  EXPECT_TRUE(b.take(1100)) << "one token every 100 ms";
  EXPECT_FALSE(b.take(1100));
  EXPECT_FALSE(b.take(500)) << "time going back adds nothing";
  EXPECT_FALSE(b.take(1150));
  EXPECT_TRUE(b.take(1200));
  EXPECT_FALSE(b.full(1600));
  EXPECT_TRUE(b.full(1700)) << "refilled to the burst, never beyond";
  int taken = 0;
  while (b.take(100000)) ++taken;
  EXPECT_EQ(taken, 5) << "a long quiet time still gives only the burst";

  TokenBucket per_minute(3, 60000, 3);  // 3 a minute: one every 20 s
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(per_minute.take(0));
  EXPECT_FALSE(per_minute.take(19999));
  EXPECT_TRUE(per_minute.take(20000));
  EXPECT_FALSE(per_minute.take(std::int64_t{1} << 40) && per_minute.take(std::int64_t{1} << 40) &&
               per_minute.take(std::int64_t{1} << 40) && per_minute.take(std::int64_t{1} << 40))
      << "no overflow after a very long time, and still only the burst";
}

}  // namespace
}  // namespace prose

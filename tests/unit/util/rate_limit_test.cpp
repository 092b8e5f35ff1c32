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

}  // namespace
}  // namespace prose

#include "prose/crypto/kdf.h"

#include <gtest/gtest.h>

#include "prose/util/hex.h"

namespace prose::crypto {
namespace {

TEST(Kdf, InputStringHasTwoOctetLengths) {
  Bytes p0 = hex_literal("aabb");
  Bytes p1(16, 0x11);
  auto s = kdf_input(0x4f, {p0, p1});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(to_hex(*s),
            "4f"
            "aabb"
            "0002" +
                to_hex(p1) + "0010");
}

TEST(Kdf, RejectsParameterLongerThan65535) {
  Bytes big(65536, 0);
  EXPECT_FALSE(kdf_input(0x01, {big}).ok());
}

}  // namespace
}  // namespace prose::crypto

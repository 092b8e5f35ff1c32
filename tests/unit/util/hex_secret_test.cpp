#include <gtest/gtest.h>

#include <sstream>
#include <type_traits>

#include "prose/util/ct.h"
#include "prose/util/hex.h"
#include "prose/util/random.h"
#include "prose/util/secret.h"

namespace prose {
namespace {

TEST(Hex, RoundTripAndCaseInsensitive) {
  auto b = from_hex("00FFaB10");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(to_hex(*b), "00ffab10");
}

TEST(Hex, U64IsSixteenBigEndianDigits) {
  EXPECT_EQ(to_hex_u64(0), "0000000000000000");
  EXPECT_EQ(to_hex_u64(0xfedcba9876543210ull), "fedcba9876543210");
}

TEST(Hex, U32IsEightBigEndianDigits) {
  EXPECT_EQ(to_hex_u32(0), "00000000");
  EXPECT_EQ(to_hex_u32(0xfedcba98u), "fedcba98");
}

TEST(Hex, RejectsOddAndBadCharacters) {
  auto odd = from_hex("abc", "--pruk");
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.error().code, Errc::kInvalidArgument);
  EXPECT_NE(odd.error().message.find("--pruk"), std::string::npos);
  EXPECT_FALSE(from_hex("zz").ok());
  EXPECT_FALSE(from_hex_exact("0011", 3).ok());
  EXPECT_TRUE(from_hex_exact("001122", 3).ok());
}

TEST(SecretBytes, FromHexExactSaysTheSameAsTheByteForm) {
  // The key form reads into a wiped holder before the length check; its messages are the byte form's.
  auto plain = from_hex_exact("0011", 3, "ue.k");
  auto secret = SecretBytes::from_hex_exact("0011", 3, "ue.k");
  ASSERT_FALSE(plain.ok());
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.error().code, plain.error().code);
  EXPECT_EQ(secret.error().message, plain.error().message);
  EXPECT_EQ(secret.error().message, "ue.k: expected 3 octets (6 hex digits), got 2");
  EXPECT_FALSE(SecretBytes::from_hex_exact("00zz22", 3).ok());
  EXPECT_EQ(SecretBytes::from_hex_exact("001122", 3, "ue.k")->reveal_hex(), "001122");
}

TEST(SecretBytes, WipedOnMoveAndNotCopyable) {
  static_assert(!std::is_copy_constructible_v<SecretBytes>);
  static_assert(!std::is_copy_assignable_v<SecretBytes>);
  SecretBytes a = *SecretBytes::from_hex("00112233");
  SecretBytes b = std::move(a);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  EXPECT_EQ(b.reveal_hex(), "00112233");
  EXPECT_EQ(b.last(2).reveal_hex(), "2233");
  EXPECT_EQ(b.fingerprint().size(), 8u);
  EXPECT_TRUE(b == b.clone());
  b.wipe();
  EXPECT_TRUE(b.empty());
}

TEST(SecretBytes, AdoptWipesSource) {
  Bytes raw = {1, 2, 3};
  SecretBytes s = SecretBytes::adopt(raw);
  EXPECT_TRUE(raw.empty());
  EXPECT_EQ(s.size(), 3u);
}

TEST(ConstantTime, Compare) {
  Bytes a = {1, 2, 3}, b = {1, 2, 3}, c = {1, 2, 4}, d = {1, 2};
  EXPECT_TRUE(ct_equal(a, b));
  EXPECT_FALSE(ct_equal(a, c));
  EXPECT_FALSE(ct_equal(a, d));
}

TEST(Random, ProducesDistinctNonZeroValues) {
  EXPECT_NE(random_bytes(16), random_bytes(16));
  for (int i = 0; i < 100; ++i) EXPECT_NE(random_u64_nonzero(), 0u);
}

}  // namespace
}  // namespace prose

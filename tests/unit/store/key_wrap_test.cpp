#include "prose/store/key_wrap.h"

#include <gtest/gtest.h>

#include "prose/util/random.h"

namespace prose::store {
namespace {

TEST(KeyWrap, RoundTripAndBinding) {
  SecretBytes kek = random_secret(32);
  SecretBytes key = random_secret(32);
  auto blob = wrap_key(kek, key, "pruk:0102030405060708");
  ASSERT_TRUE(blob.ok());
  EXPECT_EQ(blob->size(), 1u + 12 + 32 + 16);
  auto back = unwrap_key(kek, *blob, "pruk:0102030405060708");
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(*back == key);
  // Moved to another row: the label differs.
  auto moved = unwrap_key(kek, *blob, "pruk:0102030405060709");
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.error().code, Errc::kAuthFailed);
  // Wrong KEK.
  EXPECT_FALSE(unwrap_key(random_secret(32), *blob, "pruk:0102030405060708").ok());
}

TEST(KeyWrap, EveryFlippedBitAndTruncationIsRejected) {
  SecretBytes kek = random_secret(32);
  SecretBytes key = random_secret(32);
  Bytes blob = *wrap_key(kek, key, "l");
  for (std::size_t i = 0; i < blob.size() * 8; ++i) {
    Bytes b = blob;
    b[i / 8] ^= static_cast<std::uint8_t>(1u << (i % 8));
    EXPECT_FALSE(unwrap_key(kek, b, "l").ok()) << "bit " << i;
  }
  for (std::size_t n = 0; n < blob.size(); ++n) {
    EXPECT_FALSE(unwrap_key(kek, ByteView(blob.data(), n), "l").ok()) << "length " << n;
  }
}

TEST(KeyWrap, RejectsShortKek) { EXPECT_FALSE(wrap_key(random_secret(16), random_secret(32), "l").ok()); }

}  // namespace
}  // namespace prose::store

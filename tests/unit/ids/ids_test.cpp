#include "prose/ids/ids.h"

#include <gtest/gtest.h>

#include <type_traits>

namespace prose::ids {
namespace {

// The point of the module: identifiers of different kinds do not mix.
static_assert(!std::is_convertible_v<PrukId, KdId>);
static_assert(!std::is_convertible_v<std::uint64_t, PrukId>);
static_assert(!std::is_convertible_v<std::uint16_t, KdSessId>);
static_assert(!std::is_convertible_v<Nonce1, Nonce2>);
static_assert(!std::is_convertible_v<Layer2Id, RelayServiceCode>);
static_assert(PrukId::kSize == 8 && KdId::kSize == 4 && KdSessId::kSize == 2);
static_assert(Layer2Id::kSize == 3 && RelayServiceCode::kSize == 3);
static_assert(KdFreshness::kSize == 16 && Nonce1::kSize == 16 && Nonce2::kSize == 16);
static_assert(Rand::kSize == 16 && Auts::kSize == 14);

TEST(Ids, PrukIdTriggerIsAllZero) {
  EXPECT_TRUE(is_pruk_trigger(PrukId{0}));
  EXPECT_FALSE(is_valid_key_id(PrukId{0}));
  EXPECT_TRUE(is_valid_key_id(PrukId{1}));
  EXPECT_EQ(PrukId{0x0123456789abcdefULL}.hex(), "0123456789abcdef");
  EXPECT_EQ(PrukId::from_hex("0123456789ABCDEF", "PRUK ID").value(), PrukId{0x0123456789abcdefULL});
  EXPECT_FALSE(PrukId::from_hex("0123", "PRUK ID").ok());
}

TEST(Ids, TwentyFourBitIdsRejectLargerValues) {
  EXPECT_TRUE(RelayServiceCode::from_value(0xFFFFFF, "RSC").ok());
  EXPECT_FALSE(RelayServiceCode::from_value(0x1000000, "RSC").ok());
  EXPECT_FALSE(Layer2Id::from_value(0x1000000, "L2 ID").ok());
  EXPECT_EQ(Layer2Id{0x00aa01}.hex(), "00aa01");
}

TEST(Ids, KdIdHalves) {
  const KdId id = make_kd_id(0x1234, 0xabcd);
  EXPECT_EQ(id.value, 0x1234abcdu);
  EXPECT_EQ(kd_id_msb(id), 0x1234);
  EXPECT_EQ(kd_id_lsb(id), 0xabcd);
}

TEST(Ids, KdSessIdZeroIsUnprotected) {
  EXPECT_TRUE(kUnprotectedKdSessId.is_unprotected());
  const KdSessId id = KdSessId::from_halves(0x1a, 0x2b);
  EXPECT_FALSE(id.is_unprotected());
  EXPECT_EQ(id.value, 0x1a2b);
  EXPECT_EQ(id.msb(), 0x1a);
  EXPECT_EQ(id.lsb(), 0x2b);
  EXPECT_EQ(id.hex(), "1a2b");
}

TEST(Ids, FixedBytesReadLikeArrays) {
  Nonce1 n;
  n.fill(0x11);
  n[15] = 0x22;
  EXPECT_EQ(n.size(), 16u);
  EXPECT_EQ(n.view().size(), 16u);
  EXPECT_EQ(n.hex(), "11111111111111111111111111111122");
  EXPECT_EQ(Nonce1::from_hex(n.hex(), "Nonce_1").value(), n);
  EXPECT_FALSE(KdFreshness::from_bytes(Bytes(15, 0), "KD freshness").ok());
  const ByteView v = n;  // usable wherever octets are expected
  EXPECT_EQ(v[15], 0x22);
}

}  // namespace
}  // namespace prose::ids

#include "prose/util/byte_reader.h"

#include <gtest/gtest.h>

#include "prose/util/byte_writer.h"
#include "prose/util/hex.h"

namespace prose {
namespace {

TEST(ByteReader, ReadsBigEndianIntegers) {
  Bytes data = hex_literal("0102030405060708090a0b0c0d0e0f10111213");
  ByteReader r(data);
  EXPECT_EQ(*r.u8(), 0x01);
  EXPECT_EQ(*r.u16(), 0x0203);
  EXPECT_EQ(*r.u24(), 0x040506u);
  EXPECT_EQ(*r.u32(), 0x0708090au);
  EXPECT_EQ(*r.u64(), 0x0b0c0d0e0f101112ull);
  EXPECT_EQ(r.remaining(), 1u);
  EXPECT_FALSE(r.expect_end().ok());
  EXPECT_EQ(*r.u8(), 0x13);
  EXPECT_TRUE(r.expect_end().ok());
}

TEST(ByteReader, TruncationIsAnErrorWithOffset) {
  Bytes data = hex_literal("010203");
  ByteReader r(data);
  ASSERT_TRUE(r.u16().ok());
  auto v = r.u32("KD ID");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, Errc::kTruncated);
  EXPECT_EQ(v.error().offset, 2u);
  EXPECT_NE(v.error().to_string().find("KD ID"), std::string::npos);
  // A failed read consumes nothing.
  EXPECT_EQ(r.remaining(), 1u);
}

TEST(ByteReader, LengthPrefixedSubReaderIsBounded) {
  Bytes data = hex_literal("03aabbccdd");
  ByteReader r(data);
  auto sub = r.u8_prefixed("field");
  ASSERT_TRUE(sub.ok());
  EXPECT_EQ(sub->remaining(), 3u);
  EXPECT_EQ(sub->offset(), 1u);
  EXPECT_FALSE(sub->u32().ok());
  EXPECT_EQ(*r.u8(), 0xdd);

  Bytes bad = hex_literal("0005aabb");
  ByteReader r2(bad);
  auto s2 = r2.u16_prefixed("len");
  ASSERT_FALSE(s2.ok());
  EXPECT_EQ(s2.error().code, Errc::kTruncated);
}

TEST(ByteWriter, WritesAndBackfillsLengths) {
  ByteWriter w;
  w.u8(1).u16(0x0203);
  auto m = w.begin_u16_length();
  w.u24(0x040506).u32(0x0708090a).u64(0x0102030405060708ull);
  ASSERT_TRUE(w.end_length(m).ok());
  EXPECT_EQ(to_hex(w.data()),
            "010203000f040506"
            "0708090a0102030405060708");
}

TEST(ByteWriter, LengthOverflowIsAnError) {
  ByteWriter w;
  auto m = w.begin_u8_length();
  Bytes big(256, 0);
  w.bytes(big);
  EXPECT_FALSE(w.end_length(m).ok());
}

}  // namespace
}  // namespace prose

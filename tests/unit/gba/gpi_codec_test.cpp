// The provisional GPI codec: strict decoding, one specific error per defect, no read past the end.
#include "prose/gba/gpi.h"

#include <gtest/gtest.h>

#include "prose/util/hex.h"

namespace prose::gba {
namespace {

Gpi sample() {
  Gpi g;
  g.p_tid = 0x0102030405060708;
  g.rand = Bytes(16, 0x11);
  g.autn = Bytes(16, 0x22);
  g.naf_id = {'n', 'a', 'f', '.', 'o', 0x01, 0x00, 0x00, 0x01, 0x0a};
  g.key_lifetime = 86400;
  g.mac = Bytes(32, 0x33);
  return g;
}

TEST(GpiCodec, ExactLayout) {
  auto e = encode_gpi(sample());
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(to_hex(*e),
            "01"
            "0100080102030405060708"
            "020010" +
                std::string(32, '1') + "030010" + std::string(16, '2') + std::string(16, '2') +
                "05000a6e61662e6f010000010a"
                "06000400015180"
                "07000100"
                "080020" +
                std::string(64, '3'));
}

TEST(GpiCodec, TruncationAtEveryOffsetIsAnError) {
  Bytes e = *encode_gpi(sample());
  for (std::size_t n = 0; n < e.size(); ++n) {
    auto d = decode_gpi(ByteView(e).first(n));
    ASSERT_FALSE(d.ok()) << n;
    EXPECT_TRUE(d.error().code == Errc::kTruncated || d.error().code == Errc::kMalformed) << n;
  }
  EXPECT_TRUE(decode_gpi(e).ok());
}

TEST(GpiCodec, SpecificErrors) {
  Bytes e = *encode_gpi(sample());
  auto code = [](const Bytes& b) { return decode_gpi(b).error().code; };
  auto msg = [](const Bytes& b) { return decode_gpi(b).error().to_string(); };

  Bytes v = e;
  v[0] = 2;
  EXPECT_EQ(code(v), Errc::kUnsupported);

  Bytes trailing = e;
  trailing.push_back(0);
  EXPECT_EQ(code(trailing), Errc::kMalformed);
  EXPECT_NE(msg(trailing).find("after the MAC"), std::string::npos);

  Bytes unknown = e;
  unknown[1] = 0x09;
  EXPECT_EQ(code(unknown), Errc::kUnsupported);
  EXPECT_NE(msg(unknown).find("unknown tag 0x09"), std::string::npos);

  Bytes bad_len = e;
  bad_len[3] = 7;  // P-TID length 7
  EXPECT_EQ(code(bad_len), Errc::kMalformed);
  EXPECT_NE(msg(bad_len).find("P-TID has length 7"), std::string::npos);

  Bytes zero_ptid = e;
  std::fill(zero_ptid.begin() + 4, zero_ptid.begin() + 12, 0);
  EXPECT_NE(msg(zero_ptid).find("P-TID is all-zero"), std::string::npos);

  // Duplicate P-TID: the second TLV starts at offset 12 with tag 0x02; make it 0x01.
  Bytes dup = e;
  dup[12] = 0x01;
  dup[14] = 0x10;  // length 16 is wrong for a P-TID anyway; order is checked first
  EXPECT_NE(msg(dup).find("repeated or out of order"), std::string::npos);

  // Missing RAND: drop the RAND TLV.
  Bytes no_rand(e.begin(), e.begin() + 12);
  no_rand.insert(no_rand.end(), e.begin() + 12 + 19, e.end());
  EXPECT_EQ(code(no_rand), Errc::kMalformed);
  EXPECT_NE(msg(no_rand).find("RAND is missing"), std::string::npos);

  // No MAC at all.
  Bytes no_mac(e.begin(), e.end() - 35);
  EXPECT_EQ(code(no_mac), Errc::kTruncated);
  EXPECT_NE(msg(no_mac).find("MAC is missing"), std::string::npos);

  // Length pointing past the end.
  Bytes past = e;
  past[past.size() - 33] = 0xff;
  EXPECT_EQ(code(past), Errc::kMalformed);

  // The signed part alone (no MAC TLV) is not a GPI.
  Bytes unsigned_only = *encode_gpi_signed_part(sample());
  EXPECT_EQ(code(unsigned_only), Errc::kTruncated);

  // A zero key lifetime is rejected (the lifetime TLV value is the 4 octets before the key type TLV).
  Bytes zero_life = e;
  const std::size_t life = e.size() - 35 - 4 - 4;
  std::fill(zero_life.begin() + static_cast<long>(life), zero_life.begin() + static_cast<long>(life) + 4, 0);
  EXPECT_NE(msg(zero_life).find("key lifetime is zero"), std::string::npos);

  // An unknown NAF key type value.
  Bytes bad_type = e;
  bad_type[e.size() - 36] = 2;
  EXPECT_NE(msg(bad_type).find("NAF key type 2 is unknown"), std::string::npos);
}

TEST(GpiCodec, EncoderRefusesWhatDecoderRejects) {
  Gpi g = sample();
  g.p_tid = 0;
  EXPECT_FALSE(encode_gpi(g).ok());
  g = sample();
  g.key_lifetime = 0;
  EXPECT_FALSE(encode_gpi(g).ok());
  g = sample();
  g.rand.pop_back();
  EXPECT_FALSE(encode_gpi(g).ok());
  g = sample();
  g.mac.pop_back();
  EXPECT_FALSE(encode_gpi(g).ok());
  g = sample();
  g.naf_id.resize(5);
  EXPECT_FALSE(encode_gpi(g).ok());
  g = sample();
  g.version = 3;
  EXPECT_FALSE(encode_gpi(g).ok());
}

TEST(GpiCodec, TagNames) {
  EXPECT_EQ(gpi_tag_name(0x05), "NAF_Id");
  EXPECT_EQ(gpi_tag_name(0xfe), "unknown tag 0xfe");
}

}  // namespace
}  // namespace prose::gba

// HMAC-SHA-256 against RFC 4231 test cases 1-7 and RFC 4868 2.7.2.1 (spec/test-vectors.md section 6).
#include "prose/crypto/hmac.h"

#include <gtest/gtest.h>

#include <string>

#include "prose/crypto/kdf.h"
#include "prose/util/hex.h"

namespace prose::crypto {
namespace {

Bytes rep(std::uint8_t b, std::size_t n) { return Bytes(n, b); }
Bytes str(const std::string& s) { return Bytes(s.begin(), s.end()); }

std::string mac(const Bytes& key, const Bytes& data) { return hmac_sha256(key, data).reveal_hex(); }

TEST(HmacSha256, Rfc4231) {
  EXPECT_EQ(mac(rep(0x0b, 20), hex_literal("4869205468657265")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(mac(hex_literal("4a656665"), hex_literal("7768617420646f2079612077616e7420666f72206e6f7468696e673f")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(mac(rep(0xaa, 20), rep(0xdd, 50)), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  EXPECT_EQ(mac(hex_literal("0102030405060708090a0b0c0d0e0f10111213141516171819"), rep(0xcd, 50)),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
  std::string tc5 = mac(rep(0x0c, 20), hex_literal("546573742057697468205472756e636174696f6e"));
  EXPECT_EQ(tc5.substr(0, 32), "a3b6167473100ee06e0c796c2955552b");
  EXPECT_EQ(tc5, "a3b6167473100ee06e0c796c2955552bfa6f7c0a6a8aef8b93f860aab0cd20c5");
  EXPECT_EQ(mac(rep(0xaa, 131), str("Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(mac(rep(0xaa, 131), str("This is a test using a larger than block-size key and a larger than block-size "
                                    "data. The key needs to be hashed before being used by the HMAC algorithm.")),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST(HmacSha256, Rfc4868) {
  EXPECT_EQ(mac(rep(0x0b, 32), str("Hi There")), "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7");
  Bytes jefe8;
  for (int i = 0; i < 8; ++i) jefe8.insert(jefe8.end(), {0x4a, 0x65, 0x66, 0x65});
  EXPECT_EQ(mac(jefe8, str("what do ya want for nothing?")),
            "167f928588c5cc2eef8e3093caa0e87c9ff566a14794aa61648d81621a2a40c6");
}

TEST(HmacSha256, PartsEqualConcatenation) {
  Bytes a = str("what do ya "), b = str("want for nothing?");
  EXPECT_EQ(hmac_sha256(str("Jefe"), {a, b}).reveal_hex(),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hmac_sha256(Bytes{}, Bytes{}).size(), kSha256Size);
}

TEST(Sha256, Empty) {
  EXPECT_EQ(to_hex(sha256(Bytes{})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace prose::crypto

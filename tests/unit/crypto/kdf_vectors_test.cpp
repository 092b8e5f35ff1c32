// TS 33.220 Annex B KDF against spec/test-vectors.md section 5 (KASME from open5gs, GBA NAF keys [DERIVED]).
#include <gtest/gtest.h>

#include "prose/crypto/hmac.h"
#include "prose/crypto/kdf.h"
#include "prose/util/hex.h"

namespace prose::crypto {
namespace {

const Bytes kKs = hex_literal("b40ba9a3c58b2a05bbf0d987b21bf8cbf769bcd751044604127672711c6d3441");

TEST(KdfVectors, Kasme) {
  Bytes plmn = hex_literal("024830"), sqn_xor_ak = hex_literal("57e673245c0d");
  auto s = kdf_input(0x10, {plmn, sqn_xor_ak});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(to_hex(*s),
            "100248300003"
            "57e673245c0d0006");
  auto k = kdf(kKs, 0x10, {plmn, sqn_xor_ak});
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->reveal_hex(), "238e457e0f758badbca8d34bb2612c10428d426757cb5553b2b184fa64bfc549");
}

TEST(KdfVectors, GbaNafKeysFromMilenageSet1) {
  Bytes rand = hex_literal("23553cbe9637a89d218ae64dae47bf35");
  std::string_view impi = "001010123456789@ims.mnc001.mcc001.3gppnetwork.org";
  Bytes naf_id = hex_literal("706b6d662e6578616d706c652e6f72670100000002");
  auto s = kdf_input(0x01, {as_bytes("gba-me"), rand, as_bytes(impi), naf_id});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(to_hex(*s),
            "016762612d6d650006"
            "23553cbe9637a89d218ae64dae47bf350010"
            "303031303130313233343536373839"
            "40696d732e6d6e633030312e6d63633030312e336770706e6574776f726b2e6f7267"
            "0031"
            "706b6d662e6578616d706c652e6f72670100000002"
            "0015");
  auto ext = kdf(kKs, 0x01, {as_bytes("gba-me"), rand, as_bytes(impi), naf_id});
  ASSERT_TRUE(ext.ok());
  EXPECT_EQ(ext->reveal_hex(), "f3d2aa9b1314a33556cf270b1318733ede3f7f32c3dd2d39646067692c7d543f");
  auto in = kdf(kKs, 0x01, {as_bytes("gba-u"), rand, as_bytes(impi), naf_id});
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(in->reveal_hex(), "7589ed94eead2a3072cba9c6b3893bf1a751e87b58a4b83936c2bbdcefb1a61b");
}

TEST(KdfVectors, KdfIsHmacOverInputString) {
  Bytes p0(300, 0x5a);
  auto s = kdf_input(0x7f, {p0, Bytes{}});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->size(), 1u + 300 + 2 + 0 + 2);
  EXPECT_EQ(to_hex(ByteView(*s).subspan(301, 4)), "012c0000");
  EXPECT_EQ(kdf(kKs, 0x7f, {p0, Bytes{}})->reveal_hex(), hmac_sha256(kKs, *s).reveal_hex());
  EXPECT_EQ(to_hex(*kdf_input(0x02, {})), "02");
}

}  // namespace
}  // namespace prose::crypto

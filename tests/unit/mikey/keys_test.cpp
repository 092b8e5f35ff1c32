// MIKEY PRF, PSK transport-key derivation and AES-CM-128 against the vectors of shared/spec/test-vectors.md.
#include "prose/mikey/keys.h"

#include <gtest/gtest.h>

#include "prose/util/hex.h"

namespace prose::mikey {
namespace {

// test-vectors.md 8.2: PSK = Ks_(ext)_NAF of 5.2, CSB ID 01020304, RAND 00..0f.
const char* kPsk = "f3d2aa9b1314a33556cf270b1318733ede3f7f32c3dd2d39646067692c7d543f";
const char* kRand = "000102030405060708090a0b0c0d0e0f";

std::string prf_hex(std::uint8_t f, ByteView key, std::uint32_t constant, std::size_t len) {
  auto r = prf(f, key, psk_label(constant, 0x01020304, hex_literal(kRand)), len);
  EXPECT_TRUE(r.ok());
  return r.ok() ? r->reveal_hex() : "";
}

TEST(MikeyPrf, LabelLayout) {
  EXPECT_EQ(to_hex(psk_label(kLabelPskEncr, 0x01020304, hex_literal(kRand))),
            "150533e1ff01020304000102030405060708090a0b0c0d0e0f");
}

TEST(MikeyPrf, Mikey1Vectors_8_2) {
  Bytes psk = hex_literal(kPsk);
  auto f = static_cast<std::uint8_t>(PrfFunc::kMikey1);
  EXPECT_EQ(prf_hex(f, psk, kLabelPskEncr, 16), "34b37b096547aab0e8354751951c6cb4");
  EXPECT_EQ(prf_hex(f, psk, kLabelPskAuth, 20), "5a03a68d6c7d4fec18b4e6b15dcb77c137d01609");
  EXPECT_EQ(prf_hex(f, psk, kLabelPskSalt, 14), "ae08b325b93180add31ab10f47ab");
}

TEST(MikeyPrf, Mikey1SplitsLongInkeyIn256BitPieces) {
  // Independent Python model of RFC 3830 4.1.2 (two pieces XORed; a short last piece).
  Bytes k64(64), k40(40);
  for (std::size_t i = 0; i < 64; ++i) k64[i] = static_cast<std::uint8_t>(i);
  for (std::size_t i = 0; i < 40; ++i) k40[i] = static_cast<std::uint8_t>(i);
  auto f = static_cast<std::uint8_t>(PrfFunc::kMikey1);
  EXPECT_EQ(prf_hex(f, k64, kLabelPskAuth, 20), "7fe01b7b56ad453d172ad72bacdf618adb995edb");
  EXPECT_EQ(prf_hex(f, k40, kLabelPskAuth, 20), "043291ebf83d874a413c2d879399316288172438");
}

TEST(MikeyPrf, HmacSha256Vectors) {
  // [DERIVED] same inputs, PRF-HMAC-SHA-256 (P-function with HMAC-SHA-256, 256-bit blocks), computed with an
  // independent Python model.
  Bytes psk = hex_literal(kPsk);
  auto f = static_cast<std::uint8_t>(PrfFunc::kHmacSha256);
  EXPECT_EQ(prf_hex(f, psk, kLabelPskEncr, 16), "5d935e1f0759ec0160140a5aa424c5f2");
  EXPECT_EQ(prf_hex(f, psk, kLabelPskAuth, 32), "60cfef94cbbd85fefe81455806ac17a96d90ab68b9077d6688e458661937ab70");
  EXPECT_EQ(prf_hex(f, psk, kLabelPskSalt, 14), "beabbdec1b137e129fa5864ec11f");
}

TEST(MikeyPrf, RejectsUnknownPrfAndEmptyKey) {
  auto r = prf(7, hex_literal("00"), hex_literal("00"), 16);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kUnsupported);
  auto e = prf(0, ByteView{}, hex_literal("00"), 16);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, Errc::kInvalidArgument);
}

TEST(MikeyPrf, TransportKeysPerAlgorithm) {
  Bytes psk = hex_literal(kPsk);
  auto k = derive_transport_keys(0, psk, 0x01020304, hex_literal(kRand), 1, 1);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->encr_key.reveal_hex(), "34b37b096547aab0e8354751951c6cb4");
  EXPECT_EQ(k->salt_key.reveal_hex(), "ae08b325b93180add31ab10f47ab");
  EXPECT_EQ(k->auth_key.reveal_hex(), "5a03a68d6c7d4fec18b4e6b15dcb77c137d01609");
  auto k2 = derive_transport_keys(1, psk, 0x01020304, hex_literal(kRand), 1, 2);
  ASSERT_TRUE(k2.ok());
  EXPECT_EQ(k2->auth_key.size(), 32u);
  auto bad = derive_transport_keys(1, psk, 1, hex_literal(kRand), 2, 2);  // AES-KW not supported
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::kUnsupported);
  auto badmac = derive_transport_keys(1, psk, 1, hex_literal(kRand), 1, 9);
  ASSERT_FALSE(badmac.ok());
  EXPECT_EQ(badmac.error().code, Errc::kUnsupported);
}

TEST(AesCm, Rfc3711B2Keystream) {
  // test-vectors.md 7.1: AES-CM keystream = encryption of zeros.
  Bytes key = hex_literal("2b7e151628aed2a6abf7158809cf4f3c");
  Bytes iv = hex_literal("f0f1f2f3f4f5f6f7f8f9fafbfcfd0000");
  Bytes zeros(48, 0);
  auto ks = aes_cm_128(key, iv, zeros);
  ASSERT_TRUE(ks.ok());
  EXPECT_EQ(to_hex(*ks),
            "e03ead0935c95e80e166b16dd92b4eb4"
            "d23513162b02d0f72a43a2fe4a5f97ab"
            "41e95b3bb0a2e8dd477901e4fca894c0");
  // Block counter 0xfeff..0xff02: starting the counter there gives the later keystream blocks.
  Bytes iv2 = hex_literal("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  Bytes z4(64, 0);
  auto ks2 = aes_cm_128(key, iv2, z4);
  ASSERT_TRUE(ks2.ok());
  EXPECT_EQ(to_hex(*ks2),
            "ec8cdf7398607cb0f2d21675ea9ea1e4"
            "362b7c3c6773516318a077d7fc5073ae"
            "6a2cc3787889374fbeb4c81b17ba6c44"
            "e89c399ff0f198c6d40a31db156cabfe");
}

TEST(AesCm, RoundTripAndArgumentChecks) {
  Bytes key(16, 7), iv(16, 9), msg = hex_literal("00112233445566778899");
  auto c = aes_cm_128(key, iv, msg);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(*c, msg);
  auto p = aes_cm_128(key, iv, *c);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, msg);
  EXPECT_FALSE(aes_cm_128(Bytes(15), iv, msg).ok());
  EXPECT_FALSE(aes_cm_128(key, Bytes(12), msg).ok());
}

TEST(AesCm, KemacIvLayout) {
  // IV = (S xor (0x0000 || CSB ID || T)) || 0x0000
  Bytes salt(14, 0);
  auto iv = kemac_iv(salt, 0x11223344, 0x0102030405060708ULL);
  ASSERT_TRUE(iv.ok());
  EXPECT_EQ(to_hex(*iv), "00001122334401020304050607080000");
  Bytes salt2 = hex_literal("ffffffffffffffffffffffffffff");
  auto iv2 = kemac_iv(salt2, 0, 0);
  ASSERT_TRUE(iv2.ok());
  EXPECT_EQ(to_hex(*iv2), "ffffffffffffffffffffffffffff0000");
  EXPECT_FALSE(kemac_iv(Bytes(16), 0, 0).ok());
}

TEST(MikeyMac, Algorithms) {
  Bytes key(32, 0x0b);
  auto m0 = compute_mac(0, key, {hex_literal("00")});
  ASSERT_TRUE(m0.ok());
  EXPECT_TRUE(m0->empty());
  // RFC 4231 test case 1 (HMAC-SHA-256, 20-octet key 0x0b.., "Hi There").
  Bytes k20(20, 0x0b);
  Bytes hi = {'H', 'i', ' ', 'T', 'h', 'e', 'r', 'e'};
  auto m2 = compute_mac(2, k20, {hi});
  ASSERT_TRUE(m2.ok());
  EXPECT_EQ(to_hex(*m2), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // RFC 2202 test case 1 (HMAC-SHA-1).
  auto m1 = compute_mac(1, k20, {hi});
  ASSERT_TRUE(m1.ok());
  EXPECT_EQ(to_hex(*m1), "b617318655057264e28bc0b6fb378c8ef146be00");
  EXPECT_FALSE(compute_mac(3, key, {hi}).ok());
}

}  // namespace
}  // namespace prose::mikey

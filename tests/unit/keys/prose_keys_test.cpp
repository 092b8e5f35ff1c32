// One test group per derivation of prose/keys: the S string each clause prescribes, built here by hand, must give
// the same key as the code; plus the verified GBA NAF key vector (spec/test-vectors.md 5.2) and input checks.
#include "prose/keys/prose_keys.h"

#include <gtest/gtest.h>

#include "prose/crypto/hmac.h"
#include "prose/keys/fc_table.h"
#include "prose/util/hex.h"

namespace prose::keys {
namespace {

std::string hmac_hex(const Bytes& key, const std::string& s_hex) {
  return crypto::hmac_sha256(key, hex_literal(s_hex)).reveal_hex();
}

const Bytes k32 = hex_literal("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

TEST(FcTable, ValuesOfProfileSection1) {
  EXPECT_EQ(fc::kNafKey, 0x01);
  EXPECT_EQ(fc::kDiscoveryMic, 0x49);
  EXPECT_EQ(fc::kPtk, 0x4A);
  EXPECT_EQ(fc::kAlgorithmKey, 0x4B);
  EXPECT_EQ(fc::kDiscoveryScrambling, 0x4C);
  EXPECT_EQ(fc::kDiscoveryKeystream, 0x4D);
  EXPECT_EQ(fc::kKdSess, 0x4E);
  EXPECT_EQ(fc::kKd, 0x4F);
  EXPECT_EQ(fc::kDiscoveryKeys, 0x50);
  EXPECT_EQ(to_hex(fc::kUaProsePkmf), "010000010a");
  // Every FC in the table is distinct (one derivation per FC).
  for (std::size_t i = 0; i < fc::kFcTable.size(); ++i)
    for (std::size_t j = i + 1; j < fc::kFcTable.size(); ++j) EXPECT_NE(fc::kFcTable[i].fc, fc::kFcTable[j].fc);
}

TEST(Keys, KdIsA7) {
  Bytes fresh(16, 0xa5);
  auto kd = derive_kd(k32, fresh);
  ASSERT_TRUE(kd.ok());
  EXPECT_EQ(kd->reveal_hex(), hmac_hex(k32, "4f" + to_hex(fresh) + "0010"));
  EXPECT_EQ(kd->size(), kKdSize);
}

TEST(Keys, PtkIsA3) {
  auto ptk = derive_ptk(k32, 0x123456, 0xabcd, 0x0a0b0c);
  ASSERT_TRUE(ptk.ok());
  EXPECT_EQ(ptk->reveal_hex(), hmac_hex(k32,
                                        "4a"
                                        "1234560003"
                                        "abcd0002"
                                        "0a0b0c0003"));
  EXPECT_FALSE(derive_ptk(k32, 0x1000000, 1, 1).ok());
  EXPECT_FALSE(derive_ptk(k32, 1, 1, 0x1000000).ok());
}

TEST(Keys, DiscoveryKeysA2A5A6A8) {
  Bytes psdk(32, 0x77);
  for (auto [type, p0] : {std::pair{DiscoveryKeyType::kDuik, "01"}, std::pair{DiscoveryKeyType::kDusk, "02"},
                          std::pair{DiscoveryKeyType::kDuck, "03"}}) {
    auto k = derive_discovery_key(psdk, type);
    ASSERT_TRUE(k.ok());
    EXPECT_EQ(k->reveal_hex(), hmac_hex(psdk, std::string("50") + p0 + "0001"));
  }
  EXPECT_FALSE(derive_discovery_key(psdk, static_cast<DiscoveryKeyType>(4)).ok());
  Bytes msg = hex_literal("0102030405060708090a0b0c0d0e0f1011121314151617");  // 184-bit ProSe App Code
  auto mic = derive_discovery_mic(k32, msg, 0x01020304);
  ASSERT_TRUE(mic.ok());
  EXPECT_EQ(to_hex(*mic), hmac_hex(k32, "49" + to_hex(msg) +
                                            "0017"
                                            "01020304"
                                            "0004")
                              .substr(56));
  auto scr = derive_discovery_scrambling(k32, 0xdeadbeef);
  ASSERT_TRUE(scr.ok());
  EXPECT_EQ(scr->reveal_hex(), hmac_hex(k32,
                                        "4c"
                                        "deadbeef"
                                        "0004"));
  auto ks = derive_discovery_keystream(k32, 0xdeadbeef, *mic);
  ASSERT_TRUE(ks.ok());
  EXPECT_EQ(ks->reveal_hex(), hmac_hex(k32,
                                       "4d"
                                       "deadbeef"
                                       "0004" +
                                           to_hex(*mic) + "0004"));
  EXPECT_FALSE(derive_discovery_keystream(k32, 1, Bytes(3, 0)).ok());
  EXPECT_FALSE(derive_discovery_mic(Bytes{}, msg, 1).ok());
}

// spec/test-vectors.md 5.2 [DERIVED] (verified FC 0x01, B.3 parameter list).
TEST(Keys, KsExtNafB3Vector) {
  Bytes naf_id = make_naf_id("pkmf.example.org", hex_literal("0100000002"));
  EXPECT_EQ(to_hex(naf_id), "706b6d662e6578616d706c652e6f72670100000002");
  auto k = derive_ks_ext_naf(
      hex_literal("b40ba9a3c58b2a05bbf0d987b21bf8cb"), hex_literal("f769bcd751044604127672711c6d3441"),
      hex_literal("23553cbe9637a89d218ae64dae47bf35"), "001010123456789@ims.mnc001.mcc001.3gppnetwork.org", naf_id);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->reveal_hex(), "f3d2aa9b1314a33556cf270b1318733ede3f7f32c3dd2d39646067692c7d543f");
}

TEST(Keys, PkmfNafIdUsesProseUaId) {
  EXPECT_EQ(to_hex(make_pkmf_naf_id("pkmf.example.org")), "706b6d662e6578616d706c652e6f7267010000010a");
}

TEST(Keys, PekPikTakeThe128Lsbs) {
  auto pek = derive_pek(k32, 2);
  auto pik = derive_pik(k32, 2);
  ASSERT_TRUE(pek.ok() && pik.ok());
  EXPECT_EQ(pek->reveal_hex(), hmac_hex(k32,
                                        "4b"
                                        "000001"
                                        "020001")
                                   .substr(32));
  EXPECT_EQ(pik->reveal_hex(), hmac_hex(k32,
                                        "4b"
                                        "010001"
                                        "020001")
                                   .substr(32));
  EXPECT_NE(pek->reveal_hex(), pik->reveal_hex());
}

TEST(Keys, BadInputsNameTheValue) {
  Bytes k31(31, 0), f16(16, 0), f15(15, 0);
  auto e = derive_kd(k31, f16);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, Errc::kInvalidArgument);
  EXPECT_NE(e.error().message.find("PRUK"), std::string::npos);
  EXPECT_NE(derive_kd(k32, f15).error().message.find("KD freshness"), std::string::npos);
  EXPECT_NE(derive_kd_sess(k32, f15, f16).error().message.find("Nonce_1"), std::string::npos);
  EXPECT_NE(derive_kd_sess(k32, f16, f15).error().message.find("Nonce_2"), std::string::npos);
  EXPECT_NE(derive_kd_sess(k31, f16, f16).error().message.find("KD"), std::string::npos);
  EXPECT_NE(derive_pek(k32, 16).error().message.find("algorithm"), std::string::npos);
  EXPECT_FALSE(derive_pik(k31, 1).ok());
  EXPECT_FALSE(derive_ks_ext_naf(f15, f16, f16, "a@b", Bytes(6, 1)).ok());
  EXPECT_FALSE(derive_ks_ext_naf(f16, f16, f16, "", Bytes(6, 1)).ok());
  EXPECT_FALSE(derive_ks_ext_naf(f16, f16, f16, "a@b", Bytes{}).ok());
}

}  // namespace
}  // namespace prose::keys

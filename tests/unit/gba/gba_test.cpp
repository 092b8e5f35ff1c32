// GBA Push: AV -> GPI (NAF side) -> USIM processing (UE side) on the TS 35.208 Milenage sets, the PRUK checked
// against an independent HMAC-SHA-256 over a hand-built TS 33.220 B.3 input string, resynchronisation, and every
// rejection the issue lists.
#include "prose/gba/gba.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <gtest/gtest.h>

#include "prose/util/hex.h"

namespace prose::gba {
namespace {

using crypto::Sqn;

struct Subscriber {
  const char* name;
  const char* k;
  const char* opc;
  const char* rand;
  Sqn sqn;
  const char* amf;
  const char* ck;
  const char* ik;
};
// spec/test-vectors.md section 1 (TS 35.208 sets 1-3).
const Subscriber kSets[] = {
    {"set1", "465b5ce8b199b49faa5f0a2ee238a6bc", "cd63cb71954a9f4e48a5994e37a02baf", "23553cbe9637a89d218ae64dae47bf35",
     0xff9bb4d0b607, "b9b9", "b40ba9a3c58b2a05bbf0d987b21bf8cb", "f769bcd751044604127672711c6d3441"},
    {"set2", "0396eb317b6d1c36f19c1c84cd6ffd16", "53c15671c60a4b731c55b4a441c0bde2", "c00d603103dcee52c4478119494202e8",
     0xfd8eef40df7d, "af17", "58c433ff7a7082acd424220f2b67c556", "21a8c1f929702adb3e738488b9f5c5da"},
    {"set3", "fec86ba6eb707ed08905757b1bb44b8f", "1006020f0a478bf6b699f15c062e42b3", "9f7c8d021accf4db213ccff0c7f71a6a",
     0x9d0277595ffc, "725c", "5dbdbb2954e8f3cde665b046179a5098", "59a92d3b476a0443487055cf88b2307b"},
};

const std::string kImpi = "001010123456789@ims.mnc001.mcc001.3gppnetwork.org";
// "pkmf.example.org" || Ua id 01 00 00 00 02 (the NAF_Id of test-vectors.md 5.2).
const Bytes kNafId = hex_literal("706b6d662e6578616d706c652e6f72670100000002");
constexpr ids::PrukId kPrukId{0x0123456789abcdef};

crypto::AuthVector make_av(const Subscriber& s, Sqn sqn, const Bytes& rand) {
  auto av = crypto::make_auth_vector(hex_literal(s.k), hex_literal(s.opc), rand, sqn, hex_literal(s.amf));
  EXPECT_TRUE(av.ok());
  return std::move(av).value();
}
crypto::Usim usim_at(const Subscriber& s, Sqn sqn_ms) {
  auto u = crypto::Usim::create_with_sqn_ms(hex_literal(s.k), hex_literal(s.opc), sqn_ms);
  EXPECT_TRUE(u.ok());
  return std::move(u).value();
}

// Independent B.3: S = 0x01 || "gba-me" || 00 06 || RAND || 00 10 || IMPI || L || NAF_Id || L, key = CK || IK.
std::string b3_by_hand(const Subscriber& s, const std::string& impi, const Bytes& naf_id) {
  Bytes key = hex_literal(std::string(s.ck) + s.ik);
  Bytes str{0x01, 'g', 'b', 'a', '-', 'm', 'e', 0x00, 0x06};
  Bytes rand = hex_literal(s.rand);
  str.insert(str.end(), rand.begin(), rand.end());
  str.insert(str.end(), {0x00, 0x10});
  str.insert(str.end(), impi.begin(), impi.end());
  str.insert(str.end(), {static_cast<std::uint8_t>(impi.size() >> 8), static_cast<std::uint8_t>(impi.size())});
  str.insert(str.end(), naf_id.begin(), naf_id.end());
  str.insert(str.end(), {static_cast<std::uint8_t>(naf_id.size() >> 8), static_cast<std::uint8_t>(naf_id.size())});
  unsigned char md[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), str.data(), str.size(), md, &len);
  return to_hex(ByteView(md, len));
}

class GbaRoundTrip : public ::testing::TestWithParam<Subscriber> {};

TEST_P(GbaRoundTrip, AvGpiUsimPruk) {
  const Subscriber& s = GetParam();
  crypto::AuthVector av = make_av(s, s.sqn, hex_literal(s.rand));
  EXPECT_EQ(av.ck.reveal_hex(), s.ck);
  EXPECT_EQ(av.ik.reveal_hex(), s.ik);
  auto created = create_gpi(av, kImpi, kNafId, kPrukId, 3600);
  ASSERT_TRUE(created.ok()) << created.error().to_string();
  EXPECT_EQ(created->pruk_id, kPrukId);
  const std::string expected_pruk = b3_by_hand(s, kImpi, kNafId);
  EXPECT_EQ(created->pruk.reveal_hex(), expected_pruk);

  auto decoded = decode_gpi(created->gpi);
  ASSERT_TRUE(decoded.ok()) << decoded.error().to_string();
  EXPECT_EQ(decoded->gpi.p_tid, kPrukId.value);
  EXPECT_EQ(decoded->gpi.rand, av.rand);
  EXPECT_EQ(decoded->gpi.autn, av.autn);
  EXPECT_EQ(decoded->gpi.naf_id, kNafId);
  EXPECT_EQ(decoded->gpi.key_lifetime, 3600u);
  EXPECT_EQ(decoded->gpi.key_type, NafKeyType::kMe);
  EXPECT_EQ(decoded->signed_length, created->gpi.size() - 3 - kGpiMacSize);
  auto reencoded = encode_gpi(decoded->gpi);
  ASSERT_TRUE(reencoded.ok());
  EXPECT_EQ(*reencoded, created->gpi);

  crypto::Usim usim = usim_at(s, s.sqn - 32);
  auto out = process_gpi(usim, kImpi, kNafId, created->gpi);
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  ASSERT_TRUE(out->accepted.has_value());
  EXPECT_FALSE(out->sync_failure.has_value());
  EXPECT_EQ(out->accepted->pruk_id, kPrukId);
  EXPECT_EQ(out->accepted->pruk.reveal_hex(), expected_pruk);
  EXPECT_EQ(out->accepted->lifetime, 3600u);
  EXPECT_EQ(out->accepted->sqn, s.sqn);
  EXPECT_EQ(usim.sqn_ms(), s.sqn);
}

INSTANTIATE_TEST_SUITE_P(Ts35208, GbaRoundTrip, ::testing::ValuesIn(kSets),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Gba, Set1PrukIsThePublishedNafKey) {  // spec/test-vectors.md 5.2
  auto created = create_gpi(make_av(kSets[0], kSets[0].sqn, hex_literal(kSets[0].rand)), kImpi, kNafId, kPrukId);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->pruk.reveal_hex(), "f3d2aa9b1314a33556cf270b1318733ede3f7f32c3dd2d39646067692c7d543f");
  EXPECT_EQ(created->lifetime, kDefaultKeyLifetime);
}

TEST(Gba, SqnFailureAutsResyncThenSuccess) {
  const Subscriber& s = kSets[1];
  // The USIM is ahead of the HSS: it already accepted SQN + 5 * 32.
  crypto::Usim usim = usim_at(s, s.sqn + 5 * 32);
  auto stale = create_gpi(make_av(s, s.sqn, hex_literal(s.rand)), kImpi, kNafId, kPrukId);
  ASSERT_TRUE(stale.ok());
  auto before = usim.seq_array();
  auto out = process_gpi(usim, kImpi, kNafId, stale->gpi);
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  ASSERT_TRUE(out->sync_failure.has_value());
  EXPECT_FALSE(out->accepted.has_value());
  EXPECT_EQ(Bytes(out->sync_failure->rand.begin(), out->sync_failure->rand.end()), hex_literal(s.rand));
  EXPECT_EQ(usim.seq_array(), before);
  // HSS side: recover SQN_MS from RAND + AUTS, continue with the next SEQ.
  auto sqn_ms =
      crypto::recover_sqn_ms(hex_literal(s.k), hex_literal(s.opc), out->sync_failure->rand, out->sync_failure->auts);
  ASSERT_TRUE(sqn_ms.ok());
  EXPECT_EQ(*sqn_ms, s.sqn + 5 * 32);
  Bytes rand2 = hex_literal("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
  auto fresh = create_gpi(make_av(s, *sqn_ms + 32, rand2), kImpi, kNafId, ids::PrukId{kPrukId.value + 1});
  ASSERT_TRUE(fresh.ok());
  auto ok = process_gpi(usim, kImpi, kNafId, fresh->gpi);
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  ASSERT_TRUE(ok->accepted.has_value());
  EXPECT_EQ(ok->accepted->pruk_id, ids::PrukId{kPrukId.value + 1});
  EXPECT_EQ(ok->accepted->pruk.reveal_hex(), fresh->pruk.reveal_hex());
}

struct Fixture {
  const Subscriber& s = kSets[0];
  CreatedGpi created;
  crypto::Usim usim;
  Fixture()
      : created(std::move(create_gpi(make_av(kSets[0], kSets[0].sqn, hex_literal(kSets[0].rand)), kImpi, kNafId,
                                     kPrukId, 600))
                    .value()),
        usim(usim_at(kSets[0], kSets[0].sqn - 32)) {}
};

TEST(Gba, TamperedMacRejectedAndUsimUnchanged) {
  Fixture f;
  auto before = f.usim.seq_array();
  Bytes bad = f.created.gpi;
  bad.back() ^= 0x01;
  auto r = process_gpi(f.usim, kImpi, kNafId, bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kAuthFailed);
  EXPECT_EQ(r.error().message, "GPI MAC failure");
  EXPECT_EQ(f.usim.seq_array(), before);
  // A tampered covered field (the lifetime) fails the GPI MAC as well.
  auto d = decode_gpi(f.created.gpi);
  ASSERT_TRUE(d.ok());
  Gpi g = d->gpi;
  g.key_lifetime = 999999;
  auto relabelled = encode_gpi(g);
  ASSERT_TRUE(relabelled.ok());
  EXPECT_EQ(process_gpi(f.usim, kImpi, kNafId, *relabelled).error().message, "GPI MAC failure");
  // A tampered AUTN fails in the USIM.
  g = d->gpi;
  g.autn[15] ^= 0x80;
  EXPECT_EQ(process_gpi(f.usim, kImpi, kNafId, *encode_gpi(g)).error().message, "AUTN MAC failure");
  // Nothing was consumed: the genuine GPI still works.
  auto ok = process_gpi(f.usim, kImpi, kNafId, f.created.gpi);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->accepted.has_value());
}

TEST(Gba, ReplayedGpiGivesSyncFailure) {
  Fixture f;
  ASSERT_TRUE(process_gpi(f.usim, kImpi, kNafId, f.created.gpi)->accepted.has_value());
  auto again = process_gpi(f.usim, kImpi, kNafId, f.created.gpi);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->accepted.has_value());
  ASSERT_TRUE(again->sync_failure.has_value());
  EXPECT_EQ(*crypto::recover_sqn_ms(hex_literal(f.s.k), hex_literal(f.s.opc), again->sync_failure->rand,
                                    again->sync_failure->auts),
            f.s.sqn);
}

TEST(Gba, GpiForAnotherImpiRejected) {
  Fixture f;
  auto before = f.usim.seq_array();
  auto r = process_gpi(f.usim, "999990000000001@ims.mnc999.mcc999.3gppnetwork.org", kNafId, f.created.gpi);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kAuthFailed);
  EXPECT_EQ(r.error().message, "GPI MAC failure");
  EXPECT_EQ(f.usim.seq_array(), before);
  // ...and another subscriber's USIM rejects the AUTN itself.
  crypto::Usim other = usim_at(kSets[2], kSets[0].sqn - 32);
  EXPECT_EQ(process_gpi(other, kImpi, kNafId, f.created.gpi).error().message, "AUTN MAC failure");
}

TEST(Gba, WrongNafIdRejected) {
  Fixture f;
  Bytes other_naf = hex_literal("706b6d662e6578616d706c652e6f7267010000010a");
  auto r = process_gpi(f.usim, kImpi, other_naf, f.created.gpi);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kDenied);
}

TEST(Gba, UiccKeyTypeUnsupported) {
  Fixture f;
  Gpi g = decode_gpi(f.created.gpi)->gpi;
  g.key_type = NafKeyType::kUicc;
  EXPECT_EQ(process_gpi(f.usim, kImpi, kNafId, *encode_gpi(g)).error().code, Errc::kUnsupported);
}

TEST(Gba, AppLabelRoundTrip) {
  Bytes lbl = {'p', 'r', 'o', 's', 'e'};
  auto c = create_gpi(make_av(kSets[0], kSets[0].sqn, hex_literal(kSets[0].rand)), kImpi, kNafId, kPrukId, 60, lbl);
  ASSERT_TRUE(c.ok());
  crypto::Usim u = usim_at(kSets[0], kSets[0].sqn - 1);
  auto out = process_gpi(u, kImpi, kNafId, c->gpi);
  ASSERT_TRUE(out.ok() && out->accepted);
  EXPECT_EQ(out->accepted->app_lbl, lbl);
}

TEST(Gba, CreateRejectsBadArguments) {
  auto av = make_av(kSets[0], kSets[0].sqn, hex_literal(kSets[0].rand));
  EXPECT_EQ(create_gpi(av, kImpi, kNafId, ids::PrukId{0}).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(create_gpi(av, kImpi, kNafId, ids::PrukId{1}, 0).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(create_gpi(av, "", kNafId, ids::PrukId{1}).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(create_gpi(av, kImpi, Bytes(5, 'a'), ids::PrukId{1}).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(create_gpi(av, kImpi, Bytes(261, 'a'), ids::PrukId{1}).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(create_gpi(av, kImpi, kNafId, ids::PrukId{1}, 5, Bytes(256, 'x')).error().code, Errc::kInvalidArgument);
  crypto::AuthVector empty;
  EXPECT_FALSE(create_gpi(empty, kImpi, kNafId, ids::PrukId{1}).ok());
}

}  // namespace
}  // namespace prose::gba

// The USIM side of TS 33.102: AUTN check (MAC first, then SQN freshness per Annex C with IND slots), AUTS on an
// SQN failure, and the HSS recovering SQN_MS from that AUTS.
#include <gtest/gtest.h>

#include "prose/crypto/milenage.h"
#include "prose/util/hex.h"

namespace prose::crypto {
namespace {

// Milenage test set 1 (spec/test-vectors.md section 1).
const Bytes kK = hex_literal("465b5ce8b199b49faa5f0a2ee238a6bc");
const Bytes kOpc = hex_literal("cd63cb71954a9f4e48a5994e37a02baf");
const Bytes kRand = hex_literal("23553cbe9637a89d218ae64dae47bf35");
const Bytes kAmf = hex_literal("b9b9");
constexpr Sqn kSqn = 0xff9bb4d0b607;

Usim usim_at(Sqn sqn_ms) {
  auto u = Usim::create_with_sqn_ms(kK, kOpc, sqn_ms);
  EXPECT_TRUE(u.ok());
  return std::move(u).value();
}

AuthVector av(Sqn sqn, const Bytes& rand = kRand) {
  auto v = make_auth_vector(kK, kOpc, rand, sqn, kAmf);
  EXPECT_TRUE(v.ok());
  return std::move(v).value();
}

TEST(Usim, AcceptsFreshAutnAndReturnsKeys) {
  Usim u = usim_at(kSqn - 32);  // previous SEQ, same IND
  AuthVector v = av(kSqn);
  EXPECT_EQ(to_hex(v.autn), "55f328b43577b9b94a9ffac354dfafb3");  // test-vectors.md 1.2
  auto r = u.authenticate(v.rand, v.autn);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_TRUE(r->accepted.has_value());
  EXPECT_FALSE(r->sync_failure.has_value());
  EXPECT_EQ(to_hex(r->accepted->res), "a54211d5e3ba50bf");
  EXPECT_EQ(r->accepted->ck.reveal_hex(), "b40ba9a3c58b2a05bbf0d987b21bf8cb");
  EXPECT_EQ(r->accepted->ik.reveal_hex(), "f769bcd751044604127672711c6d3441");
  EXPECT_EQ(r->accepted->sqn, kSqn);
  EXPECT_EQ(u.sqn_ms(), kSqn);
}

TEST(Usim, MacFailureIsAnErrorAndChangesNothing) {
  Usim u = usim_at(kSqn - 32);
  AuthVector v = av(kSqn);
  auto before = u.seq_array();
  for (std::size_t byte : {0u, 6u, 8u, 15u}) {  // SQN^AK, AMF and MAC-A all feed the MAC check
    Bytes autn = v.autn;
    autn[byte] ^= 0x01;
    auto r = u.authenticate(v.rand, autn);
    ASSERT_FALSE(r.ok()) << byte;
    EXPECT_EQ(r.error().code, Errc::kAuthFailed);
    EXPECT_EQ(r.error().message, "AUTN MAC failure");
  }
  Bytes rand = v.rand;
  rand[0] ^= 0x80;
  EXPECT_EQ(u.authenticate(rand, v.autn).error().code, Errc::kAuthFailed);
  EXPECT_EQ(u.seq_array(), before);
  // Another subscriber's USIM rejects the AUTN on its MAC.
  auto other = Usim::create_with_sqn_ms(hex_literal("0396eb317b6d1c36f19c1c84cd6ffd16"),
                                        hex_literal("53c15671c60a4b731c55b4a441c0bde2"), kSqn - 32);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->authenticate(v.rand, v.autn).error().code, Errc::kAuthFailed);
}

TEST(Usim, ReplayGivesAutsThatRecoversSqnMs) {
  Usim u = usim_at(kSqn - 32);
  AuthVector v = av(kSqn);
  ASSERT_TRUE(u.authenticate(v.rand, v.autn)->accepted.has_value());
  auto before = u.seq_array();
  auto r = u.authenticate(v.rand, v.autn);  // same SQN again
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->sync_failure.has_value());
  EXPECT_FALSE(r->accepted.has_value());
  EXPECT_EQ(r->sync_failure->auts.size(), kAutsSize);
  // Re-computed independently (see milenage_test.cpp, Resync.AutsVectorAndRecovery).
  EXPECT_EQ(to_hex(r->sync_failure->auts), "ba853f3c123ccf44e93596e355c6");
  auto sqn_ms = recover_sqn_ms(kK, kOpc, v.rand, r->sync_failure->auts);
  ASSERT_TRUE(sqn_ms.ok());
  EXPECT_EQ(*sqn_ms, u.sqn_ms());
  EXPECT_EQ(*sqn_ms, kSqn);
  EXPECT_EQ(u.seq_array(), before);
  // The HSS continues from SQN_MS with the next SEQ: accepted.
  Bytes rand2 = hex_literal("00112233445566778899aabbccddeeff");
  AuthVector next = av(*sqn_ms + 32, rand2);
  auto ok = u.authenticate(next.rand, next.autn);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->accepted.has_value());
}

TEST(Usim, IndSlotsAreIndependent) {
  // SEQ 100 accepted in slot 3; SEQ 90 in slot 4 is still fresh (another slot), SEQ 90 in slot 3 is not.
  auto u0 = Usim::create(kK, kOpc);
  ASSERT_TRUE(u0.ok());
  Usim u = std::move(u0).value();
  auto sqn = [](std::uint64_t seq, std::uint64_t ind) { return (seq << 5) | ind; };
  AuthVector a = av(sqn(100, 3));
  ASSERT_TRUE(u.authenticate(a.rand, a.autn)->accepted.has_value());
  EXPECT_EQ(u.seq_array()[3], 100u);
  EXPECT_EQ(u.sqn_ms(), sqn(100, 3));
  AuthVector b = av(sqn(90, 4));
  ASSERT_TRUE(u.authenticate(b.rand, b.autn)->accepted.has_value());
  EXPECT_EQ(u.seq_array()[4], 90u);
  EXPECT_EQ(u.sqn_ms(), sqn(100, 3));  // still the highest accepted
  AuthVector c = av(sqn(90, 3));
  auto rc = u.authenticate(c.rand, c.autn);
  ASSERT_TRUE(rc->sync_failure.has_value());
  EXPECT_EQ(*recover_sqn_ms(kK, kOpc, c.rand, rc->sync_failure->auts), sqn(100, 3));
  AuthVector d = av(sqn(101, 3));
  EXPECT_TRUE(u.authenticate(d.rand, d.autn)->accepted.has_value());
}

TEST(Usim, DeltaAndAgeLimit) {
  SqnPolicy p;
  p.delta = 1000;
  p.age_limit = 50;
  auto u0 = Usim::create_with_sqn_ms(kK, kOpc, Sqn{10000} << 5, p);
  ASSERT_TRUE(u0.ok());
  Usim u = std::move(u0).value();
  auto far = av((Sqn{11001} << 5) | 1);  // SEQ - SEQ_MS = 1001 > delta
  EXPECT_TRUE(u.authenticate(far.rand, far.autn)->sync_failure.has_value());
  auto edge = av((Sqn{11000} << 5) | 1);  // exactly delta: fresh
  EXPECT_TRUE(u.authenticate(edge.rand, edge.autn)->accepted.has_value());
  // SEQ_MS is now 11000; slot 2 holds 10000 (create_with_sqn_ms: slots above IND 0 hold SEQ - 1 = 9999).
  auto old = av((Sqn{10949} << 5) | 2);  // 51 behind SEQ_MS > L
  EXPECT_TRUE(u.authenticate(old.rand, old.autn)->sync_failure.has_value());
  auto young = av((Sqn{10950} << 5) | 2);  // 50 behind: within L, and above its slot
  EXPECT_TRUE(u.authenticate(young.rand, young.autn)->accepted.has_value());
}

TEST(Usim, CreateWithSqnMsModelsInOrderAcceptance) {
  const Sqn s = (Sqn{77} << 5) | 9;
  Usim u = usim_at(s);
  EXPECT_EQ(u.sqn_ms(), s);
  for (Sqn stale : {s, s - 1, s - 9, s - 10, s - 32}) {
    auto v = av(stale);
    EXPECT_TRUE(u.authenticate(v.rand, v.autn)->sync_failure.has_value()) << stale;
  }
  auto v = av(s + 1);  // same SEQ, next IND
  EXPECT_TRUE(u.authenticate(v.rand, v.autn)->accepted.has_value());
}

TEST(Usim, StateRestoreIsValidated) {
  Usim u = usim_at(0);
  EXPECT_FALSE(u.restore_seq_array(std::vector<std::uint64_t>(31, 0)).ok());
  EXPECT_FALSE(u.restore_seq_array(std::vector<std::uint64_t>(32, std::uint64_t{1} << 43)).ok());
  std::vector<std::uint64_t> seq(32, 5);
  ASSERT_TRUE(u.restore_seq_array(seq).ok());
  EXPECT_EQ(u.sqn_ms(), (Sqn{5} << 5) | 31);
  SqnPolicy bad;
  bad.ind_bits = 17;
  EXPECT_FALSE(Usim::create(kK, kOpc, bad).ok());
  EXPECT_EQ(Usim::create_with_sqn_ms(kK, kOpc, kSqnMax + 1).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(u.authenticate(Bytes(15, 0), Bytes(16, 0)).error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace prose::crypto

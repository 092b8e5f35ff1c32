// The UE's bootstrapping cache on a fake clock with a fake Ub run: bootstrap once, reuse until the lifetime (minus
// the renewal margin) ends, bootstrap again after a NAF refused the B-TID, Ks_NAF per NAF_Id, Ub errors passed on.
#include "prose/gba/ue_bootstrap_cache.h"

#include <gtest/gtest.h>

#include "prose/gba/ua_ids.h"
#include "prose/keys/prose_keys.h"
#include "prose/util/hex.h"

namespace prose::gba {
namespace {

struct FakeUb {
  std::int64_t now = 1000;
  int runs = 0;
  std::int64_t lifetime = 3600;
  std::optional<Error> error;

  UeBootstrapCache cache(std::int64_t renew_before_s = 30) {
    return UeBootstrapCache(
        [this](std::int64_t t) -> Result<BootstrapResult> {
          if (error) return *error;
          ++runs;
          BootstrapResult r;
          r.session.btid = "btid" + std::to_string(runs) + "@bsf.prose.test";
          r.session.impi = "001010000000001@ims.mnc001.mcc001.3gppnetwork.org";
          r.session.rand = Bytes(16, static_cast<std::uint8_t>(runs));
          r.session.ks = SecretBytes(Bytes(32, static_cast<std::uint8_t>(0x40 + runs)));
          r.session.created = t;
          r.session.expires = t + lifetime;
          return r;
        },
        [this] { return now; }, renew_before_s);
  }
};

TEST(UeBootstrapCache, BootstrapsOnceAndReusesTheSession) {
  FakeUb ub;
  auto c = ub.cache();
  EXPECT_FALSE(c.credential(hex_literal("01")).ok());  // nothing before ensure()
  auto first = c.ensure();
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  EXPECT_TRUE(*first);
  auto again = c.ensure();
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  EXPECT_EQ(ub.runs, 1);
  EXPECT_EQ(c.btid(), "btid1@bsf.prose.test");
  EXPECT_EQ(c.expires(), 1000 + 3600);
  EXPECT_EQ(c.bootstraps(), 1u);
}

TEST(UeBootstrapCache, KeyIsKsNafOfTheSessionForEachNafId) {
  FakeUb ub;
  auto c = ub.cache();
  ASSERT_TRUE(c.ensure().ok());
  const Bytes pkmf = keys::make_naf_id("pkmf.prose.test", kUaTls13);
  const Bytes pf = keys::make_naf_id("prose-function.prose.test", kUaTls13);
  auto a = c.credential(pkmf);
  auto b = c.credential(pf);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->btid, "btid1@bsf.prose.test");
  EXPECT_EQ(a->expires, 1000 + 3600);
  EXPECT_NE(a->key.reveal_hex(), b->key.reveal_hex());
  // The same derivation as the BSF's (TS 33.220 B.3 on the session).
  BootstrapSession s;
  s.btid = "btid1@bsf.prose.test";
  s.impi = "001010000000001@ims.mnc001.mcc001.3gppnetwork.org";
  s.rand = Bytes(16, 1);
  s.ks = SecretBytes(Bytes(32, 0x41));
  auto want = s.ks_naf(pkmf);
  ASSERT_TRUE(want.ok());
  EXPECT_EQ(a->key.reveal_hex(), want->reveal_hex());
}

TEST(UeBootstrapCache, BootstrapsAgainWhenTheLifetimeEnds) {
  FakeUb ub;
  auto c = ub.cache(30);
  ASSERT_TRUE(c.ensure().ok());
  ub.now += 3600 - 31;  // still 31 s left: usable
  EXPECT_TRUE(c.credential(hex_literal("01")).ok());
  EXPECT_FALSE(*c.ensure());
  ub.now += 1;  // 30 s left: within the margin
  EXPECT_EQ(c.credential(hex_literal("01")).error().code, Errc::kNotFound);
  auto r = c.ensure();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r);
  EXPECT_EQ(ub.runs, 2);
  EXPECT_EQ(c.btid(), "btid2@bsf.prose.test");
}

TEST(UeBootstrapCache, RefusedBtidIsDroppedOnceOnlyIfStillHeld) {
  FakeUb ub;
  auto c = ub.cache();
  ASSERT_TRUE(c.ensure().ok());
  EXPECT_FALSE(c.refused("other@bsf.prose.test"));  // a B-TID we no longer hold: nothing happens
  EXPECT_TRUE(c.credential(hex_literal("01")).ok());
  EXPECT_TRUE(c.refused("btid1@bsf.prose.test"));
  EXPECT_EQ(c.btid(), "");
  EXPECT_FALSE(c.credential(hex_literal("01")).ok());
  ASSERT_TRUE(c.ensure().ok());
  EXPECT_EQ(c.btid(), "btid2@bsf.prose.test");
  // A second refusal of the old B-TID (another connection that used it) does not drop the new session.
  EXPECT_FALSE(c.refused("btid1@bsf.prose.test"));
  EXPECT_EQ(c.btid(), "btid2@bsf.prose.test");
}

TEST(UeBootstrapCache, UbErrorsArePassedOnAndNothingIsHeld) {
  FakeUb ub;
  ub.error = Error{Errc::kAuthFailed, "BSF answered 403"};
  auto c = ub.cache();
  auto r = c.ensure();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kAuthFailed);
  EXPECT_EQ(c.failures(), 1u);
  EXPECT_EQ(c.btid(), "");
  ub.error.reset();
  EXPECT_TRUE(c.ensure().ok());
}

TEST(UeBootstrapCache, ALifetimeAlreadyOverIsRefused) {
  FakeUb ub;
  ub.lifetime = 10;  // within the 30 s margin
  auto c = ub.cache();
  auto r = c.ensure();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kMalformed);
  EXPECT_EQ(c.btid(), "");
}

}  // namespace
}  // namespace prose::gba

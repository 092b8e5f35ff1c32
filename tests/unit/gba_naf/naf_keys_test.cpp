// The NAF key cache on a fake clock with a fake Zn: the NAF_Id per TLS version and cipher suite, the IMSI behind
// the IMPI as the peer, caching until the BSF's expiry, unknown B-TIDs, the "3GPP-bootstrapping." prefix.
#include "prose/gba_naf/naf_keys.h"

#include <gtest/gtest.h>

#include "prose/gba/ua_ids.h"
#include "prose/keys/prose_keys.h"
#include "prose/util/hex.h"

namespace prose::gba_naf {
namespace {

constexpr const char* kBtid = "I1U8vpY3qJ0hiuZNrke/NQ==@bsf.prose.lab";

struct FakeZn {
  int calls = 0;
  std::string impi = "001010000000001@ims.mnc001.mcc001.3gppnetwork.org";
  std::int64_t expires = 1000;
  Bytes last_naf_id;
  NafKeys::Fetch fetch() {
    return [this](std::string_view btid, ByteView naf_id) -> Result<diameter::ZnKey> {
      ++calls;
      last_naf_id.assign(naf_id.begin(), naf_id.end());
      if (btid != kBtid) return fail(Errc::kNotFound, "unknown B-TID");
      // A key that depends on the NAF_Id, as the real one does.
      Bytes k(32, static_cast<std::uint8_t>(naf_id.back()));
      return diameter::ZnKey{impi, SecretBytes(ByteView(k)), expires, 0};
    };
  }
};

TEST(NafKeys, NafIdFollowsTheTlsVersionAndSuite) {
  EXPECT_EQ(naf_id_for("pkmf.prose.lab", {net::TlsVersion::kTls13, 0}),
            keys::make_naf_id("pkmf.prose.lab", gba::kUaTls13));
  EXPECT_EQ(naf_id_for("pkmf.prose.lab", {net::TlsVersion::kTls12, 0x00A8}),
            keys::make_naf_id("pkmf.prose.lab", gba::UaId{0x01, 0x00, 0x01, 0x00, 0xA8}));
}

TEST(NafKeys, GrantsTheUeBehindTheImpiAndCachesUntilExpiry) {
  FakeZn zn;
  std::int64_t now = 100;
  NafKeys keys("pkmf.prose.lab", zn.fetch(), [&now] { return now; });
  auto g = keys.lookup(kBtid, {net::TlsVersion::kTls13, 0});
  ASSERT_TRUE(g.ok()) << g.error().to_string();
  ASSERT_TRUE(g->peer.has_value());
  EXPECT_EQ(g->peer->kind(), net::PeerKind::kUe);
  EXPECT_EQ(g->peer->id(), "001010000000001");
  EXPECT_EQ(zn.last_naf_id, keys::make_naf_id("pkmf.prose.lab", gba::kUaTls13));
  EXPECT_EQ(g->key.view()[0], 0x07);
  ASSERT_TRUE(keys.lookup(std::string(kIdentityPrefix) + kBtid, {net::TlsVersion::kTls13, 0}).ok());
  EXPECT_EQ(zn.calls, 1);  // cached
  ASSERT_TRUE(keys.lookup(kBtid, {net::TlsVersion::kTls12, 0x008C}).ok());
  EXPECT_EQ(zn.calls, 2);  // another NAF_Id, another key
  now = 1000;              // the BSF's lifetime has ended: asked again, and the BSF's answer is expired too
  EXPECT_EQ(keys.lookup(kBtid, {net::TlsVersion::kTls13, 0}).error().code, Errc::kNotFound);
  EXPECT_EQ(zn.calls, 3);
  EXPECT_EQ(keys.cached(), 1u);  // only the failure, remembered for negative_ttl
}

TEST(NafKeys, RemembersAFailureBrieflyInsteadOfAskingTheBsfAgain) {
  FakeZn zn;
  std::int64_t now = 100;
  NafKeys keys(
      "pkmf.prose.lab", zn.fetch(), [&now] { return now; }, 100, NafKeys::Options{.negative_ttl = 5});
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(keys.lookup("nobody@bsf.prose.lab", {net::TlsVersion::kTls13, 0}).error().code, Errc::kNotFound);
  EXPECT_EQ(zn.calls, 1);
  now = 105;  // negative_ttl later the BSF is asked again
  EXPECT_EQ(keys.lookup("nobody@bsf.prose.lab", {net::TlsVersion::kTls13, 0}).error().code, Errc::kNotFound);
  EXPECT_EQ(zn.calls, 2);
  EXPECT_EQ(keys.fetches(), 2u);
}

TEST(NafKeys, RefusesUnknownBtidsAndImpisWithoutImsi) {
  FakeZn zn;
  NafKeys keys("pkmf.prose.lab", zn.fetch(), [] { return std::int64_t{100}; });
  EXPECT_EQ(keys.lookup("nobody@bsf.prose.lab", {net::TlsVersion::kTls13, 0}).error().code, Errc::kNotFound);
  EXPECT_FALSE(keys.lookup("", {net::TlsVersion::kTls13, 0}).ok());
  std::vector<std::string> lines;
  auto cb = keys.callback([&lines](const std::string& l) { lines.push_back(l); });
  EXPECT_FALSE(cb("nobody@bsf.prose.lab", {net::TlsVersion::kTls13, 0}).has_value());
  EXPECT_EQ(lines.size(), 1u);
  zn.impi = "alice@ims.example";
  EXPECT_EQ(keys.lookup(kBtid, {net::TlsVersion::kTls13, 0}).error().code, Errc::kDenied);
}

TEST(NafKeys, ARelayImsiIsGrantedAsThatRelay) {
  FakeZn zn;
  zn.impi = "001010000000901@ims.mnc001.mcc001.3gppnetwork.org";
  NafKeys keys("pkmf.prose.lab", zn.fetch(), [] { return std::int64_t{100}; });
  keys.set_relays({{"001010000000901", "r1"}});
  auto g = keys.lookup(kBtid, {net::TlsVersion::kTls13, 0});
  ASSERT_TRUE(g.ok()) << g.error().to_string();
  ASSERT_TRUE(g->peer.has_value());
  EXPECT_EQ(g->peer->kind(), net::PeerKind::kRelay);
  EXPECT_EQ(g->peer->id(), "r1");
  zn.impi = "001010000000001@ims.mnc001.mcc001.3gppnetwork.org";  // another IMSI stays a UE
  NafKeys other("pkmf.prose.lab", zn.fetch(), [] { return std::int64_t{100}; });
  other.set_relays({{"001010000000901", "r1"}});
  auto u = other.lookup(kBtid, {net::TlsVersion::kTls13, 0});
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->peer->kind(), net::PeerKind::kUe);
}

}  // namespace
}  // namespace prose::gba_naf

#include "prose/service/protected_discovery.h"

#include <gtest/gtest.h>

#include "prose/util/random.h"

namespace prose::service {
namespace {

constexpr std::uint32_t kRsc = 0xabcd;
constexpr std::int64_t kT0 = 1'800'000'000;  // some time in 2027

discovery::DiscoveryMessage announcement(std::uint32_t rsc = kRsc) {
  discovery::DiscoveryMessage m;
  m.type = discovery::MessageType::kAnnouncement;
  m.relay_service_code = rsc;
  m.user_info_id = 0x00aa01;
  m.l2_id = 0x00aa01;
  return m;
}

DiscoverySecuritySettings settings(std::int64_t refresh_before = 300) {
  DiscoverySecuritySettings s;
  s.max_offset = 2;
  s.refresh_before_s = refresh_before;
  return s;
}

TEST(ProtectedDiscovery, NoKeysMeansRefreshAndNothingSentOrAccepted) {
  ProtectedDiscovery pd(kRsc, settings());
  EXPECT_TRUE(pd.refresh_due(kT0));
  EXPECT_FALSE(pd.usable(kT0));
  auto p = pd.protect(announcement(), kT0);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, Errc::kState);
  EXPECT_EQ(pd.accept(Bytes(29, 0), kT0).error().code, Errc::kState);
  EXPECT_FALSE(pd.install(ByteView(), 1, kT0 + 3600, kT0).ok());  // empty PSDK
  EXPECT_FALSE(pd.usable(kT0));
}

TEST(ProtectedDiscovery, RoundTripReplayForgeryWindowAndWrongKeys) {
  SecretBytes psdk(random_bytes(32));
  ProtectedDiscovery tx(kRsc, settings()), rx(kRsc, settings()), other(kRsc, settings());
  ASSERT_TRUE(tx.install(psdk.view(), 7, kT0 + 3600, kT0).ok());
  ASSERT_TRUE(rx.install(psdk.view(), 7, kT0 + 3600, kT0).ok());
  ASSERT_TRUE(other.install(random_bytes(32), 8, kT0 + 3600, kT0).ok());
  auto pdu = tx.protect(announcement(), kT0 + 10);
  ASSERT_TRUE(pdu.ok());
  EXPECT_EQ(pdu->size(), discovery::constants::kMessageSize);
  EXPECT_FALSE(tx.protect(announcement(0x1234), kT0 + 10).ok());  // another RSC

  Bytes forged = *pdu;
  forged[25] ^= 0x01;  // a MIC bit
  EXPECT_EQ(rx.accept(forged, kT0 + 10).error().code, Errc::kAuthFailed);
  EXPECT_EQ(other.accept(*pdu, kT0 + 10).error().code, Errc::kAuthFailed);  // other PSDK
  EXPECT_EQ(rx.accept(*pdu, kT0 + 20).error().code, Errc::kClockSkew);      // outside the 2 s window
  EXPECT_EQ(rx.accept(Bytes(pdu->begin(), pdu->begin() + 20), kT0 + 10).error().code, Errc::kTruncated);
  auto m = rx.accept(*pdu, kT0 + 11);
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  EXPECT_EQ(*m, announcement());
  EXPECT_EQ(rx.accept(*pdu, kT0 + 11).error().code, Errc::kReplay);
}

TEST(ProtectedDiscovery, DuskAndDuckFollowTheSettings) {
  SecretBytes psdk(random_bytes(32));
  auto plain = settings();
  plain.use_dusk = false;
  plain.use_duck = false;
  ProtectedDiscovery full(kRsc, settings()), mic_only(kRsc, plain);
  ASSERT_TRUE(full.install(psdk.view(), 1, kT0 + 3600, kT0).ok());
  ASSERT_TRUE(mic_only.install(psdk.view(), 1, kT0 + 3600, kT0).ok());
  auto a = full.protect(announcement(), kT0);
  auto b = mic_only.protect(announcement(), kT0);
  ASSERT_TRUE(a.ok() && b.ok());
  // Without DUSK and DUCK the RSC is in clear at octets 1..3; with them it is not.
  EXPECT_EQ(Bytes(b->begin() + 1, b->begin() + 4), (Bytes{0x00, 0xab, 0xcd}));
  EXPECT_NE(*a, *b);
  EXPECT_EQ(full.accept(*b, kT0).error().code, Errc::kAuthFailed);  // a different protection does not verify
}

// 24.334 10A: the PKMF's key combination, Encrypted_bits_mask and algorithm override the ProSe Function's settings.
TEST(ProtectedDiscovery, PkmfConfigurationOverridesTheProseFunctionSettings) {
  SecretBytes psdk(random_bytes(32));
  auto pf_plain = settings();  // the ProSe Function says: MIC only
  pf_plain.use_dusk = false;
  pf_plain.use_duck = false;
  PkmfDiscoveryConfig pkmf;
  pkmf.keys = pc8::KeyCombination{false, true};
  pkmf.encrypted_bits_mask = Bytes{0xff, 0x00, 0x0f};
  pkmf.eea = cipher::Eea::kEea3;

  ProtectedDiscovery a(kRsc, pf_plain), b(kRsc, settings()), pf_only(kRsc, pf_plain);
  ASSERT_TRUE(a.install(psdk.view(), 1, kT0 + 3600, kT0, pkmf).ok());
  ASSERT_TRUE(b.install(psdk.view(), 1, kT0 + 3600, kT0, pkmf).ok());
  ASSERT_TRUE(pf_only.install(psdk.view(), 1, kT0 + 3600, kT0).ok());
  EXPECT_FALSE(a.uses_dusk());
  EXPECT_TRUE(a.uses_duck());
  EXPECT_EQ(a.eea(), cipher::Eea::kEea3);
  EXPECT_EQ(a.encrypted_bits_mask(), (Bytes{0xff, 0x00, 0x0f}));
  EXPECT_FALSE(pf_only.uses_duck());

  // The PDU is exactly prose::discovery's protection with DUIK + DUCK, EEA3 and the mask.
  auto pdu = a.protect(announcement(), kT0 + 5);
  ASSERT_TRUE(pdu.ok());
  auto k = discovery::derive_discovery_keys(psdk.view());
  ASSERT_TRUE(k.ok());
  k->dusk = SecretBytes();
  k->encrypted_bits_mask = Bytes{0xff, 0x00, 0x0f};
  k->eea = cipher::Eea::kEea3;
  auto want = discovery::protect(announcement(), *k, discovery::utc_counter(kT0 + 5));
  ASSERT_TRUE(want.ok());
  EXPECT_EQ(*pdu, *want);
  k->eea = cipher::Eea::kEea2;  // the default algorithm gives another PDU: the override took effect
  EXPECT_NE(*pdu, *discovery::protect(announcement(), *k, discovery::utc_counter(kT0 + 5)));

  // Two UEs with different ProSe Function settings but the same PKMF configuration understand each other; a UE
  // that applied only the ProSe Function's settings does not.
  auto m = b.accept(*pdu, kT0 + 5);
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  EXPECT_EQ(*m, announcement());
  EXPECT_EQ(pf_only.accept(*pdu, kT0 + 5).error().code, Errc::kAuthFailed);

  // No PKMF configuration: exactly the ProSe Function's settings, as before.
  ProtectedDiscovery c(kRsc, pf_plain);
  ASSERT_TRUE(c.install(psdk.view(), 1, kT0 + 3600, kT0, PkmfDiscoveryConfig{}).ok());
  auto plain = c.protect(announcement(), kT0 + 6);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, *pf_only.protect(announcement(), kT0 + 6));
  EXPECT_EQ(Bytes(plain->begin() + 1, plain->begin() + 4), (Bytes{0x00, 0xab, 0xcd}));

  // The same PSDK with a new configuration from the PKMF: the new protection is used, the old one still accepted
  // until the PSDK expires (peers that did not refresh yet).
  PkmfDiscoveryConfig all;
  all.keys = pc8::KeyCombination{true, true};
  ASSERT_TRUE(b.install(psdk.view(), 1, kT0 + 3600, kT0 + 10, all).ok());
  EXPECT_TRUE(b.uses_dusk());
  EXPECT_EQ(b.eea(), discovery::constants::kDefaultConfidentialityEea);
  EXPECT_TRUE(b.encrypted_bits_mask().empty());
  auto again = a.protect(announcement(), kT0 + 11);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(b.accept(*again, kT0 + 11).ok());

  // A bad configuration changes nothing.
  PkmfDiscoveryConfig bad;
  bad.encrypted_bits_mask = Bytes(24, 0xff);
  EXPECT_EQ(a.install(psdk.view(), 2, kT0 + 7200, kT0, bad).error().code, Errc::kInvalidArgument);
  bad.encrypted_bits_mask.reset();
  bad.eea = cipher::Eea::kEea0;
  EXPECT_EQ(a.install(psdk.view(), 2, kT0 + 7200, kT0, bad).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(a.psdk_id(), 1u);
  EXPECT_EQ(a.eea(), cipher::Eea::kEea3);
}

TEST(ProtectedDiscovery, PkmfConfigurationFromAGrant) {
  pc8::DiscoveryKeyGrant g;
  g.psdk = SecretBytes(random_bytes(32));
  auto none = pkmf_discovery_config(g);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());  // an older PKMF: the ProSe Function's settings stay
  g.key_combination = pc8::KeyCombination{true, false};
  g.encrypted_bits_mask = Bytes{0xf0};
  g.confidentiality_algorithm = 1;
  auto c = pkmf_discovery_config(g);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->keys, (pc8::KeyCombination{true, false}));
  EXPECT_EQ(c->encrypted_bits_mask, (Bytes{0xf0}));
  EXPECT_EQ(c->eea, cipher::Eea::kEea1);
  g.confidentiality_algorithm = 0;
  EXPECT_FALSE(pkmf_discovery_config(g).ok());
  g.confidentiality_algorithm = 4;
  EXPECT_FALSE(pkmf_discovery_config(g).ok());
  g.confidentiality_algorithm = 2;
  g.encrypted_bits_mask = Bytes(24, 0xff);
  EXPECT_FALSE(pkmf_discovery_config(g).ok());
}

TEST(ProtectedDiscovery, RefreshBeforeExpiryAndAfterFailures) {
  ProtectedDiscovery pd(kRsc, settings(300));
  ASSERT_TRUE(pd.install(random_bytes(32), 1, kT0 + 3600, kT0).ok());
  EXPECT_FALSE(pd.refresh_due(kT0));
  EXPECT_FALSE(pd.refresh_due(kT0 + 3299));
  EXPECT_TRUE(pd.refresh_due(kT0 + 3300));  // about to expire
  EXPECT_TRUE(pd.usable(kT0 + 3599));
  EXPECT_FALSE(pd.usable(kT0 + 3600));  // expired: no longer used
  EXPECT_FALSE(pd.protect(announcement(), kT0 + 3600).ok());
  // The PKMF hands out the same PSDK, already about to expire: ask again at most every kPsdkRetryIntervalS.
  ASSERT_TRUE(pd.install(random_bytes(32), 1, kT0 + 3600, kT0 + 3300).ok());
  EXPECT_FALSE(pd.refresh_due(kT0 + 3300 + kPsdkRetryIntervalS - 1));
  EXPECT_TRUE(pd.refresh_due(kT0 + 3300 + kPsdkRetryIntervalS));
  // A failed request: again after the retry interval.
  pd.defer(kT0 + 3400);
  EXPECT_FALSE(pd.refresh_due(kT0 + 3400 + kPsdkRetryIntervalS - 1));
  EXPECT_TRUE(pd.refresh_due(kT0 + 3400 + kPsdkRetryIntervalS));
  // Close to the expiry the next request is due at the expiry at the latest.
  ASSERT_TRUE(pd.install(random_bytes(32), 1, kT0 + 3600, kT0 + 3595).ok());
  EXPECT_FALSE(pd.refresh_due(kT0 + 3599));
  EXPECT_TRUE(pd.refresh_due(kT0 + 3600));
  // An already expired PSDK is not used, and asked for again a second later (no tight loop).
  ASSERT_TRUE(pd.install(random_bytes(32), 1, kT0 + 3600, kT0 + 3600).ok());
  EXPECT_FALSE(pd.usable(kT0 + 3600));
  EXPECT_FALSE(pd.refresh_due(kT0 + 3600));
  EXPECT_TRUE(pd.refresh_due(kT0 + 3601));
}

TEST(ProtectedDiscovery, PreviousPsdkAcceptedUntilItExpires) {
  SecretBytes old_psdk(random_bytes(32)), new_psdk(random_bytes(32));
  ProtectedDiscovery sender(kRsc, settings()), rx(kRsc, settings());
  ASSERT_TRUE(sender.install(old_psdk.view(), 1, kT0 + 100, kT0).ok());
  ASSERT_TRUE(rx.install(old_psdk.view(), 1, kT0 + 100, kT0).ok());
  ASSERT_TRUE(rx.install(new_psdk.view(), 2, kT0 + 200, kT0 + 50).ok());  // rx moved on first
  auto late = sender.protect(announcement(), kT0 + 60);
  ASSERT_TRUE(late.ok());
  EXPECT_TRUE(rx.accept(*late, kT0 + 60).ok());  // the sender's previous PSDK still works
  ProtectedDiscovery fresh(kRsc, settings());
  ASSERT_TRUE(fresh.install(new_psdk.view(), 2, kT0 + 200, kT0 + 50).ok());
  EXPECT_TRUE(rx.accept(*fresh.protect(announcement(), kT0 + 61), kT0 + 61).ok());
  // After the old PSDK expired, its PDUs are refused.
  ASSERT_TRUE(sender.install(old_psdk.view(), 1, kT0 + 1000, kT0).ok());  // a sender that kept using it
  auto stale = sender.protect(announcement(), kT0 + 150);
  ASSERT_TRUE(stale.ok());
  EXPECT_EQ(rx.accept(*stale, kT0 + 150).error().code, Errc::kAuthFailed);
}

}  // namespace
}  // namespace prose::service

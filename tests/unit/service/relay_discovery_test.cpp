// The relay's discovery service (relay_discovery.h): announcement timing at the configured (or the ProSe Function's)
// interval, responses to solicitations, the models the ProSe Function allows, and protected discovery's drop rules.
// Explicit time points throughout; no clock is read.
#include "prose/service/relay_discovery.h"

#include <gtest/gtest.h>

#include "actions.h"
#include "prose/discovery/plain.h"
#include "prose/service/remote_ue_discovery.h"

namespace prose::service {
namespace {

using test::all;
using test::has_event;
using test::has_message;

constexpr std::uint32_t kRsc = 0x00abcd;
constexpr std::uint32_t kUeL2 = 0x00ee01, kRelayL2 = 0x00aa01;
constexpr std::uint32_t kBroadcast = discovery::kBroadcastL2Id;
constexpr std::int64_t kUnix = 1'800'000'000;
const link::TimePoint kT0{link::Millis(5'000'000)};

RelayDiscoveryConfig config(std::uint32_t announce_ms = 500) { return {"relay", kRelayL2, kRsc, announce_ms}; }

DiscoveryAuthorisation allows(bool a, bool b, std::uint32_t announce_ms = 0) {
  DiscoveryAuthorisation p;
  p.model_a = a;
  p.model_b = b;
  p.announce_ms = announce_ms;
  return p;
}

void install_keys(ProtectedDiscovery* pd) {
  ASSERT_NE(pd, nullptr);
  static const Bytes psdk(32, 0x5a);
  ASSERT_TRUE(pd->install(psdk, 7, kUnix + 3600, kUnix).ok());
}

std::size_t sends(const DiscoveryActions& as) { return all<Transmit>(as).size(); }

Bytes plain(discovery::DiscoveryType type, std::uint32_t rsc = kRsc) {
  return *discovery::encode_discovery(discovery::Discovery{type, rsc});
}

// A protected solicitation from a Remote UE with the same keys.
Bytes protected_solicitation(std::int64_t unix_s = kUnix) {
  DiscoveryActions none;
  RemoteUeDiscovery ue({"ue", kUeL2, kRsc, DiscoveryModel::kB}, allows(true, true), none);
  install_keys(ue.protection());
  ue.start(kT0);
  const DiscoveryActions a = ue.on_time(kT0, unix_s);
  auto t = all<Transmit>(a);
  EXPECT_EQ(t.size(), 1u);
  return t.empty() ? Bytes{} : t[0]->pdu;
}

TEST(RelayDiscovery, AnnouncementsAtTheConfiguredInterval) {
  RelayDiscovery r(config(500), std::nullopt);
  r.start(kT0);
  EXPECT_EQ(r.next_deadline(), kT0);
  DiscoveryActions first = r.on_time(kT0, kUnix);
  ASSERT_EQ(sends(first), 1u);
  EXPECT_EQ(all<Transmit>(first)[0]->dst, kBroadcast);
  EXPECT_EQ(all<Transmit>(first)[0]->pdu, plain(discovery::DiscoveryType::kAnnouncement));
  EXPECT_EQ(*all<TraceMessage>(first)[0],
            (TraceMessage{"relay", "*", "Discovery Announcement (Model A) RSC 0x00abcd (every 500 ms)"}));
  EXPECT_EQ(r.next_deadline(), kT0 + link::Millis(500));
  EXPECT_TRUE(r.on_time(kT0 + link::Millis(499), kUnix).empty());
  DiscoveryActions second = r.on_time(kT0 + link::Millis(500), kUnix);
  EXPECT_EQ(sends(second), 1u);
  EXPECT_TRUE(all<TraceMessage>(second).empty());  // the chart shows the first one only
  EXPECT_EQ(r.next_deadline(), kT0 + link::Millis(1000));
}

TEST(RelayDiscovery, TheProseFunctionsIntervalWins) {
  RelayDiscovery r(config(500), allows(true, true, 2000));
  EXPECT_EQ(r.announce_ms(), 2000u);
  install_keys(r.protection());
  r.start(kT0);
  DiscoveryActions first = r.on_time(kT0, kUnix);
  ASSERT_EQ(sends(first), 1u);
  EXPECT_TRUE(has_message(first, "Discovery Announcement (Model A, protected: MIC, DUCK, DUSK; RSC 0x00abcd, PSDK ID"));
  EXPECT_EQ(r.next_deadline(), kT0 + link::Millis(2000));
  EXPECT_TRUE(r.on_time(kT0 + link::Millis(1999), kUnix + 1).empty());
  EXPECT_EQ(sends(r.on_time(kT0 + link::Millis(2000), kUnix + 2)), 1u);
  RelayDiscovery keeps(config(700), allows(true, true, 0));
  EXPECT_EQ(keeps.announce_ms(), 700u);
}

TEST(RelayDiscovery, ProtectedAnnouncementsAtMostOncePerCounter) {
  RelayDiscovery r(config(500), allows(true, true));
  install_keys(r.protection());
  r.start(kT0);
  EXPECT_EQ(sends(r.on_time(kT0, kUnix)), 1u);
  // Due again after 500 ms, but the counter (Unix seconds) has not moved: the same PDU would be a replay.
  EXPECT_TRUE(r.on_time(kT0 + link::Millis(500), kUnix).empty());
  EXPECT_EQ(r.next_deadline(), kT0 + link::Millis(1000));
  EXPECT_EQ(sends(r.on_time(kT0 + link::Millis(1000), kUnix + 1)), 1u);
}

TEST(RelayDiscovery, ProtectedAnnouncementWithoutKeysIsOneError) {
  RelayDiscovery r(config(500), allows(true, true));
  r.start(kT0);
  DiscoveryActions a = r.on_time(kT0, kUnix);
  EXPECT_EQ(sends(a), 0u);
  EXPECT_TRUE(has_event(a, "error"));
  EXPECT_TRUE(r.on_time(kT0 + link::Millis(500), kUnix + 1).empty());  // logged once
}

TEST(RelayDiscovery, NoAnnouncementWhenTheProseFunctionDoesNotAllowModelA) {
  RelayDiscovery r(config(500), allows(false, true));
  install_keys(r.protection());
  r.start(kT0);
  EXPECT_TRUE(r.on_time(kT0, kUnix).empty());
  EXPECT_EQ(r.next_deadline(), kT0 + link::Millis(500));
}

TEST(RelayDiscovery, AnswersASolicitationForItsRsc) {
  RelayDiscovery r(config(), std::nullopt);
  EXPECT_TRUE(RelayDiscovery::takes(kBroadcast));
  EXPECT_FALSE(RelayDiscovery::takes(kRelayL2));
  DiscoveryActions a = r.on_frame(kUnix, kUeL2, plain(discovery::DiscoveryType::kSolicitation));
  ASSERT_EQ(sends(a), 1u);
  EXPECT_EQ(all<Transmit>(a)[0]->dst, kUeL2);
  EXPECT_EQ(all<Transmit>(a)[0]->pdu, plain(discovery::DiscoveryType::kResponse));
  EXPECT_EQ(*all<TraceMessage>(a)[0],
            (TraceMessage{"relay", "ue@0x00ee01", "Discovery Response (Model B) RSC 0x00abcd"}));
  EXPECT_TRUE(r.on_frame(kUnix, kUeL2, plain(discovery::DiscoveryType::kSolicitation, 0x001234)).empty());
  EXPECT_TRUE(r.on_frame(kUnix, kUeL2, plain(discovery::DiscoveryType::kAnnouncement)).empty());
}

TEST(RelayDiscovery, ProtectedSolicitationAnswered) {
  RelayDiscovery r(config(), allows(true, true));
  install_keys(r.protection());
  DiscoveryActions a = r.on_frame(kUnix, kUeL2, protected_solicitation());
  ASSERT_EQ(sends(a), 1u);
  EXPECT_EQ(all<Transmit>(a)[0]->dst, kUeL2);
  EXPECT_TRUE(has_message(a, "Discovery Solicitation (Model B, protected; MIC verified, RSC 0x00abcd)"));
  EXPECT_TRUE(has_message(a, "Discovery Response (Model B, protected: MIC, DUCK, DUSK; RSC 0x00abcd)"));
}

TEST(RelayDiscovery, NoResponseWhenTheProseFunctionDoesNotAllowModelB) {
  RelayDiscovery r(config(), allows(true, false));
  install_keys(r.protection());
  EXPECT_TRUE(r.on_frame(kUnix, kUeL2, protected_solicitation()).empty());
  EXPECT_EQ(r.ignored(), 0u);  // a valid PDU, just not answered
}

TEST(RelayDiscovery, ProtectedSolicitationWithABadMicOutsideTheWindowOrReplayedIsDropped) {
  RelayDiscovery r(config(), allows(true, true));
  install_keys(r.protection());
  const Bytes sol = protected_solicitation();
  Bytes bad = sol;
  bad[discovery::constants::kOffMic] ^= 0x80;
  DiscoveryActions forged = r.on_frame(kUnix, kUeL2, bad);
  EXPECT_EQ(sends(forged), 0u);
  EXPECT_TRUE(has_event(forged, "debug"));
  EXPECT_EQ(sends(r.on_frame(kUnix - 40, kUeL2, sol)), 0u);  // 40 s before it was sent: outside the 32 s window
  EXPECT_EQ(r.ignored(), 2u);
  EXPECT_EQ(sends(r.on_frame(kUnix, kUeL2, sol)), 1u);  // the genuine one, in time
  EXPECT_EQ(sends(r.on_frame(kUnix, kUeL2, sol)), 0u);  // again: a replay
  EXPECT_EQ(r.ignored(), 3u);
}

TEST(RelayDiscovery, IgnoredPdusAreLoggedUpToALimitThenCounted) {
  RelayDiscovery r(config(), allows(true, true));
  install_keys(r.protection());
  const Bytes junk(discovery::constants::kMessageSize, 0x42);
  std::size_t debug = 0;
  for (std::uint64_t i = 0; i < IgnoredLog::kMaxLogged + 5; ++i)
    debug += all<TraceEvent>(r.on_frame(kUnix, kUeL2, junk)).size();
  EXPECT_EQ(debug, IgnoredLog::kMaxLogged + 1);  // the last logged one says the rest are only counted
  EXPECT_EQ(r.ignored(), IgnoredLog::kMaxLogged + 5);
}

}  // namespace
}  // namespace prose::service

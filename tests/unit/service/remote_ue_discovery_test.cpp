// The Remote UE's discovery service (remote_ue_discovery.h) against the relay's (relay_discovery.h): models, the
// fallback from a model the ProSe Function does not allow, the solicitation timing, and protected discovery's
// MIC, counter window and replay rules. Explicit time points throughout; no clock is read.
#include "prose/service/remote_ue_discovery.h"

#include <gtest/gtest.h>

#include "actions.h"
#include "prose/discovery/plain.h"
#include "prose/service/relay_discovery.h"

namespace prose::service {
namespace {

using test::all;
using test::has_event;
using test::has_message;

constexpr std::uint32_t kRsc = 0x00abcd;
constexpr std::uint32_t kUeL2 = 0x00ee01, kRelayL2 = 0x00aa01, kOtherRelayL2 = 0x00aa02;
constexpr std::uint32_t kBroadcast = discovery::kBroadcastL2Id;
constexpr std::int64_t kUnix = 1'800'000'000;  // some time in 2027
const link::TimePoint kT0{link::Millis(5'000'000)};

RemoteUeDiscoveryConfig ue_config(DiscoveryModel model) { return {"ue", kUeL2, kRsc, model}; }
RelayDiscoveryConfig relay_config(std::uint32_t l2 = kRelayL2) { return {"relay", l2, kRsc, 500}; }

DiscoveryAuthorisation allows(bool a, bool b) {
  DiscoveryAuthorisation p;
  p.model_a = a;
  p.model_b = b;
  return p;
}

// The same PSDK on every side, valid for an hour from kUnix.
void install_keys(ProtectedDiscovery* pd) {
  ASSERT_NE(pd, nullptr);
  static const Bytes psdk(32, 0x5a);
  ASSERT_TRUE(pd->install(psdk, 1, kUnix + 3600, kUnix).ok());
}

// The PDUs of the Transmit actions, with their destinations.
std::vector<Transmit> sent(const DiscoveryActions& as) {
  std::vector<Transmit> r;
  for (const Transmit* t : all<Transmit>(as)) r.push_back(*t);
  return r;
}

Bytes plain(discovery::DiscoveryType type, std::uint32_t rsc = kRsc) {
  return *discovery::encode_discovery(discovery::Discovery{type, rsc});
}

// ---- Models, unprotected -------------------------------------------------------------------------------------

TEST(RemoteUeDiscovery, ModelAFindsTheRelayByItsAnnouncement) {
  DiscoveryActions none;
  RemoteUeDiscovery ue(ue_config(DiscoveryModel::kA), std::nullopt, none);
  RelayDiscovery relay(relay_config(), std::nullopt);
  ue.start(kT0);
  relay.start(kT0);
  auto ann = sent(relay.on_time(kT0, kUnix));
  ASSERT_EQ(ann.size(), 1u);
  EXPECT_EQ(ann[0].dst, kBroadcast);
  DiscoveryReceipt r = ue.on_frame(kUnix, kRelayL2, ann[0].dst, ann[0].pdu);
  ASSERT_NE(r.found(), nullptr);
  EXPECT_EQ(r.found()->l2, kRelayL2);
  EXPECT_EQ(r.found()->how, "Discovery Announcement (Model A)");
  ASSERT_EQ(all<TraceEvent>(r.actions).size(), 1u);
  EXPECT_EQ(*all<TraceEvent>(r.actions)[0],
            (TraceEvent{"discovered", "relay L2 0x00aa01 by Discovery Announcement (Model A)"}));
}

TEST(RemoteUeDiscovery, ModelBSolicitsAndFindsTheRelayByItsResponse) {
  DiscoveryActions none;
  RemoteUeDiscovery ue(ue_config(DiscoveryModel::kB), std::nullopt, none);
  RelayDiscovery relay(relay_config(), std::nullopt);
  ue.start(kT0);
  DiscoveryActions sol = ue.on_time(kT0, kUnix);
  ASSERT_EQ(sent(sol).size(), 1u);
  EXPECT_EQ(sent(sol)[0].dst, kBroadcast);
  EXPECT_EQ(*all<TraceMessage>(sol)[0], (TraceMessage{"ue", "*", "Discovery Solicitation (Model B) RSC 0x00abcd"}));
  ASSERT_TRUE(RelayDiscovery::takes(kBroadcast));
  auto resp = sent(relay.on_frame(kUnix, kUeL2, sent(sol)[0].pdu));
  ASSERT_EQ(resp.size(), 1u);
  EXPECT_EQ(resp[0].dst, kUeL2);  // the response goes to the soliciting UE only
  DiscoveryReceipt r = ue.on_frame(kUnix, kRelayL2, resp[0].dst, resp[0].pdu);
  ASSERT_NE(r.found(), nullptr);
  EXPECT_EQ(r.found()->l2, kRelayL2);
  EXPECT_EQ(r.found()->how, "Discovery Response (Model B)");
}

TEST(RemoteUeDiscovery, AnAnnouncementIsIgnoredUnderModelB) {
  DiscoveryActions none;
  RemoteUeDiscovery ue(ue_config(DiscoveryModel::kB), std::nullopt, none);
  ue.start(kT0);
  DiscoveryReceipt r = ue.on_frame(kUnix, kRelayL2, kBroadcast, plain(discovery::DiscoveryType::kAnnouncement));
  ASSERT_NE(r.ignored(), nullptr);
  EXPECT_EQ(r.ignored()->why, "an announcement under Model B");
  EXPECT_TRUE(r.actions.empty());  // silently: unprotected frames are not traced
}

TEST(RemoteUeDiscovery, ASolicitationReceivedByAUeIsIgnored) {
  for (DiscoveryModel m : {DiscoveryModel::kA, DiscoveryModel::kB}) {
    DiscoveryActions none;
    RemoteUeDiscovery ue(ue_config(m), std::nullopt, none);
    ue.start(kT0);
    // Another UE's solicitation for the same RSC: a UE does not take it for a relay.
    DiscoveryReceipt r = ue.on_frame(kUnix, 0x00ee02, kBroadcast, plain(discovery::DiscoveryType::kSolicitation));
    ASSERT_NE(r.ignored(), nullptr);
    EXPECT_EQ(r.ignored()->why, "a solicitation (for relays)");
  }
}

TEST(RemoteUeDiscovery, FramesForAnotherRscOrUeAreIgnored) {
  DiscoveryActions none;
  RemoteUeDiscovery ue(ue_config(DiscoveryModel::kA), std::nullopt, none);
  ue.start(kT0);
  const Bytes ann = plain(discovery::DiscoveryType::kAnnouncement);
  EXPECT_EQ(ue.on_frame(kUnix, kRelayL2, 0x00ee02, ann).ignored()->why, "addressed to another UE");
  EXPECT_EQ(
      ue.on_frame(kUnix, kRelayL2, kBroadcast, plain(discovery::DiscoveryType::kAnnouncement, 0x001234)).ignored()->why,
      "another Relay Service Code");
  EXPECT_NE(ue.on_frame(kUnix, kRelayL2, kBroadcast, Bytes{9, 0, 0, 1}).ignored(), nullptr);
  EXPECT_NE(ue.on_frame(kUnix, kRelayL2, kUeL2, ann).found(), nullptr);  // to this UE: taken
}

// ---- The model the ProSe Function allows --------------------------------------------------------------------

TEST(RemoteUeDiscovery, FallsBackToModelBWhenTheProseFunctionDoesNotAllowModelA) {
  DiscoveryActions out;
  RemoteUeDiscovery ue(ue_config(DiscoveryModel::kA), allows(false, true), out);
  EXPECT_EQ(ue.model(), DiscoveryModel::kB);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<TraceEvent>(out[0]),
            (TraceEvent{"info", "the ProSe Function does not allow Model A for this RSC: using Model B"}));
  ue.start(kT0);
  EXPECT_EQ(ue.next_deadline(), kT0);  // it solicits now
}

TEST(RemoteUeDiscovery, FallsBackToModelAWhenTheProseFunctionDoesNotAllowModelB) {
  DiscoveryActions out;
  RemoteUeDiscovery ue(ue_config(DiscoveryModel::kB), allows(true, false), out);
  EXPECT_EQ(ue.model(), DiscoveryModel::kA);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<TraceEvent>(out[0]),
            (TraceEvent{"info", "the ProSe Function does not allow Model B for this RSC: using Model A"}));
  ue.start(kT0);
  EXPECT_EQ(ue.next_deadline(), std::nullopt);  // it listens
}

TEST(RemoteUeDiscovery, KeepsTheModelTheProseFunctionAllowsAndAnyWithoutOne) {
  DiscoveryActions out;
  RemoteUeDiscovery b(ue_config(DiscoveryModel::kB), allows(true, true), out);
  EXPECT_EQ(b.model(), DiscoveryModel::kB);
  EXPECT_NE(b.protection(), nullptr);  // with a ProSe Function: protected
  RemoteUeDiscovery plain_b(ue_config(DiscoveryModel::kB), std::nullopt, out);
  EXPECT_EQ(plain_b.model(), DiscoveryModel::kB);
  EXPECT_EQ(plain_b.protection(), nullptr);
  EXPECT_TRUE(out.empty());
}

// ---- Timing ----------------------------------------------------------------------------------------------------

TEST(RemoteUeDiscovery, UnprotectedSolicitationsEvery500Ms) {
  DiscoveryActions none;
  RemoteUeDiscovery ue(ue_config(DiscoveryModel::kB), std::nullopt, none);
  ue.start(kT0);
  EXPECT_EQ(ue.give_up_at(), kT0 + link::Millis(30000));
  EXPECT_EQ(ue.next_deadline(), kT0);
  EXPECT_EQ(sent(ue.on_time(kT0, kUnix)).size(), 1u);
  EXPECT_EQ(ue.next_deadline(), kT0 + link::Millis(500));
  EXPECT_TRUE(ue.on_time(kT0 + link::Millis(499), kUnix).empty());
  EXPECT_EQ(sent(ue.on_time(kT0 + link::Millis(500), kUnix)).size(), 1u);
  EXPECT_EQ(ue.next_deadline(), kT0 + link::Millis(1000));
  // Late: the next one counts from when this one went.
  EXPECT_EQ(sent(ue.on_time(kT0 + link::Millis(1700), kUnix + 1)).size(), 1u);
  EXPECT_EQ(ue.next_deadline(), kT0 + link::Millis(2200));
}

TEST(RemoteUeDiscovery, ProtectedSolicitationsEverySecondAtMostOncePerCounter) {
  DiscoveryActions none;
  RemoteUeDiscovery ue(ue_config(DiscoveryModel::kB), allows(true, true), none);
  install_keys(ue.protection());
  ue.start(kT0);
  DiscoveryActions first = ue.on_time(kT0, kUnix);
  ASSERT_EQ(sent(first).size(), 1u);
  EXPECT_EQ(sent(first)[0].pdu.size(), discovery::constants::kMessageSize);
  EXPECT_TRUE(has_message(first, "Discovery Solicitation (Model B, protected: MIC, DUCK, DUSK; RSC 0x00abcd, counter " +
                                     std::to_string(discovery::utc_counter(kUnix)) + ")"));
  EXPECT_EQ(ue.next_deadline(), kT0 + link::Millis(1000));
  EXPECT_TRUE(ue.on_time(kT0 + link::Millis(999), kUnix).empty());
  // Due, but the counter has not moved (the Unix clock still says kUnix): no second PDU with the same counter.
  EXPECT_TRUE(ue.on_time(kT0 + link::Millis(1000), kUnix).empty());
  EXPECT_EQ(ue.next_deadline(), kT0 + link::Millis(2000));
  EXPECT_EQ(sent(ue.on_time(kT0 + link::Millis(2000), kUnix + 2)).size(), 1u);
}

TEST(RemoteUeDiscovery, ProtectedSolicitationWithoutKeysIsAnError) {
  DiscoveryActions none;
  RemoteUeDiscovery ue(ue_config(DiscoveryModel::kB), allows(true, true), none);
  ue.start(kT0);
  DiscoveryActions a = ue.on_time(kT0, kUnix);
  EXPECT_TRUE(sent(a).empty());
  EXPECT_TRUE(has_event(a, "error"));
}

TEST(RemoteUeDiscovery, ModelASendsNothing) {
  DiscoveryActions none;
  RemoteUeDiscovery ue(ue_config(DiscoveryModel::kA), std::nullopt, none);
  ue.start(kT0);
  EXPECT_EQ(ue.next_deadline(), std::nullopt);
  EXPECT_TRUE(ue.on_time(kT0, kUnix).empty());
  EXPECT_TRUE(ue.on_time(kT0 + link::Millis(10000), kUnix + 10).empty());
}

// ---- Protected discovery -----------------------------------------------------------------------------------------

struct Protected {
  DiscoveryActions none;
  RemoteUeDiscovery ue{ue_config(DiscoveryModel::kA), allows(true, true), none};
  RelayDiscovery relay{relay_config(), allows(true, true)};
  Protected() {
    install_keys(ue.protection());
    install_keys(relay.protection());
    ue.start(kT0);
    relay.start(kT0);
  }
  Bytes announcement(std::int64_t unix_s = kUnix) {
    auto t = sent(relay.on_time(kT0, unix_s));
    EXPECT_EQ(t.size(), 1u);
    return t.empty() ? Bytes{} : t[0].pdu;
  }
};

TEST(RemoteUeDiscovery, ProtectedAnnouncementFound) {
  Protected p;
  DiscoveryReceipt r = p.ue.on_frame(kUnix, kRelayL2, kBroadcast, p.announcement());
  ASSERT_NE(r.found(), nullptr);
  EXPECT_EQ(r.found()->how, "protected Discovery Announcement (Model A)");
  EXPECT_TRUE(has_message(r.actions, "Discovery Announcement (Model A, protected; MIC verified, RSC 0x00abcd)"));
  EXPECT_TRUE(has_event(r.actions, "discovered"));
  EXPECT_EQ(p.ue.ignored(), 0u);
}

TEST(RemoteUeDiscovery, ProtectedPduWithABadMicIsDropped) {
  Protected p;
  const Bytes good = p.announcement();
  Bytes bad = good;
  bad[discovery::constants::kOffMic + 1] ^= 0x01;
  DiscoveryReceipt r = p.ue.on_frame(kUnix, kRelayL2, kBroadcast, bad);
  ASSERT_NE(r.ignored(), nullptr);
  EXPECT_EQ(r.ignored()->error, Errc::kAuthFailed) << r.ignored()->why;
  EXPECT_TRUE(has_event(r.actions, "debug"));
  EXPECT_EQ(p.ue.ignored(), 1u);
  EXPECT_NE(p.ue.on_frame(kUnix, kRelayL2, kBroadcast, good).found(), nullptr);  // the genuine one still verifies
}

TEST(RemoteUeDiscovery, ProtectedPduOutsideTheCounterWindowIsDropped) {
  Protected p;
  const Bytes pdu = p.announcement();
  // The default window is 32 s either way: 40 s later the PDU's counter is out of it.
  DiscoveryReceipt r = p.ue.on_frame(kUnix + 40, kRelayL2, kBroadcast, pdu);
  ASSERT_NE(r.ignored(), nullptr);
  EXPECT_EQ(r.ignored()->error, Errc::kClockSkew) << r.ignored()->why;
  EXPECT_EQ(p.ue.ignored(), 1u);
  EXPECT_NE(p.ue.on_frame(kUnix + 20, kRelayL2, kBroadcast, pdu).found(), nullptr);  // inside the window
}

TEST(RemoteUeDiscovery, ProtectedReplayIsDropped) {
  Protected p;
  const Bytes pdu = p.announcement();
  EXPECT_NE(p.ue.on_frame(kUnix, kRelayL2, kBroadcast, pdu).found(), nullptr);
  DiscoveryReceipt again = p.ue.on_frame(kUnix, kRelayL2, kBroadcast, pdu);
  ASSERT_NE(again.ignored(), nullptr);
  EXPECT_EQ(again.ignored()->error, Errc::kReplay) << again.ignored()->why;
  EXPECT_TRUE(has_event(again.actions, "debug"));
  EXPECT_EQ(p.ue.ignored(), 1u);
}

TEST(RemoteUeDiscovery, ProtectedPduFromAnotherSenderThanItsRelayUeIdIsDropped) {
  Protected p;
  DiscoveryReceipt r = p.ue.on_frame(kUnix, kOtherRelayL2, kBroadcast, p.announcement());
  ASSERT_NE(r.ignored(), nullptr);
  EXPECT_EQ(r.ignored()->error, Errc::kMalformed);
  EXPECT_NE(r.ignored()->why.find("relay UE ID 0x00aa01 is not the sender's"), std::string::npos) << r.ignored()->why;
  EXPECT_EQ(p.ue.ignored(), 1u);
}

TEST(RemoteUeDiscovery, UnprotectedPduIgnoredWhenDiscoveryIsProtected) {
  Protected p;
  DiscoveryReceipt r = p.ue.on_frame(kUnix, kRelayL2, kBroadcast, plain(discovery::DiscoveryType::kAnnouncement));
  ASSERT_NE(r.ignored(), nullptr);
  EXPECT_EQ(p.ue.ignored(), 1u);
}

TEST(RemoteUeDiscovery, ProtectedModelBSolicitationResponseFoundAnnouncementIgnored) {
  DiscoveryActions none;
  RemoteUeDiscovery ue(ue_config(DiscoveryModel::kB), allows(true, true), none);
  RelayDiscovery relay(relay_config(), allows(true, true));
  install_keys(ue.protection());
  install_keys(relay.protection());
  ue.start(kT0);
  relay.start(kT0);
  auto ann = sent(relay.on_time(kT0, kUnix));
  ASSERT_EQ(ann.size(), 1u);
  DiscoveryReceipt a = ue.on_frame(kUnix, kRelayL2, kBroadcast, ann[0].pdu);
  ASSERT_NE(a.ignored(), nullptr);
  EXPECT_EQ(a.ignored()->why, "an announcement under Model B");
  auto sol = sent(ue.on_time(kT0, kUnix));
  ASSERT_EQ(sol.size(), 1u);
  DiscoveryActions answer = relay.on_frame(kUnix, kUeL2, sol[0].pdu);
  EXPECT_TRUE(has_message(answer, "Discovery Solicitation (Model B, protected; MIC verified, RSC 0x00abcd)"));
  auto resp = sent(answer);
  ASSERT_EQ(resp.size(), 1u);
  EXPECT_EQ(resp[0].dst, kUeL2);
  DiscoveryReceipt r = ue.on_frame(kUnix, kRelayL2, kUeL2, resp[0].pdu);
  ASSERT_NE(r.found(), nullptr);
  EXPECT_EQ(r.found()->how, "protected Discovery Response (Model B)");
}

}  // namespace
}  // namespace prose::service

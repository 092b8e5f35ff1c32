// After the handshake: rekeying under traffic, COUNT limit, keepalive, inactivity, release; and the state tables.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "harness.h"
#include "prose/keys/prose_keys.h"
#include "prose/pc5/protection_policy.h"

namespace prose::link::test {
namespace {

TEST(Rekey, NewKdSessUnderTraffic) {
  Harness h;
  h.make_with_pruk();
  ASSERT_TRUE(h.handshake());
  const auto id0 = *h.ue->kd_sess_id();
  const auto kd_id0 = *h.ue->kd_id();
  ASSERT_TRUE(h.exchange_data());
  // Start the rekey, and keep data flowing both ways while the DRRq / DSMC / DSM Complete are in flight.
  h.from_ue(h.ue->rekey(h.now, false).value());
  EXPECT_EQ(h.ue->state(), RemoteState::kRekeying);
  h.from_ue(h.ue->send_data(h.now, Bytes{1, 2, 3}).value());
  h.from_relay(h.relay->send_data(h.now, Bytes{4, 5, 6}).value());
  h.pump();
  EXPECT_EQ(h.ue->state(), RemoteState::kEstablished);
  EXPECT_EQ(h.relay->state(), RelayState::kEstablished);
  EXPECT_NE(*h.ue->kd_sess_id(), id0);
  EXPECT_EQ(h.ue->kd_sess_id(), h.relay->kd_sess_id());
  EXPECT_EQ(*h.ue->kd_id(), kd_id0);  // same KD
  EXPECT_EQ(h.pkmf.requests, 1);
  auto data_at_relay = Harness::all<DataReceived>(h.relay_events);
  ASSERT_GE(data_at_relay.size(), 2u);
  EXPECT_EQ(data_at_relay.back()->data, (Bytes{1, 2, 3}));
  EXPECT_EQ(Harness::all<DataReceived>(h.ue_events).back()->data, (Bytes{4, 5, 6}));
  EXPECT_TRUE(h.exchange_data());
  auto* s = Harness::last<LinkSecured>(h.relay_events);
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->rekey);
  // Data protected under the old KD-sess and still in flight is accepted once.
  EXPECT_EQ(pdcp::decode_header(h.sent_to_ue.back()).value().kd_sess_id, *h.ue->kd_sess_id());
}

TEST(Rekey, AuthFlagFetchesNewKd) {
  Harness h;
  h.make_with_pruk();
  ASSERT_TRUE(h.handshake());
  const auto kd_id0 = *h.ue->kd_id();
  h.from_ue(h.ue->rekey(h.now, true).value());
  h.pump();
  EXPECT_EQ(h.pkmf.requests, 2);
  auto needs = Harness::all<NeedKd>(h.relay_events);
  ASSERT_EQ(needs.size(), 2u);
  EXPECT_TRUE(needs.back()->rekey);
  EXPECT_EQ(needs.back()->long_term_id.type, pc5::UserInfoType::kPrukId);  // the DRRq's PRUK ID
  EXPECT_EQ(h.ue->state(), RemoteState::kEstablished);
  EXPECT_NE(*h.ue->kd_id(), kd_id0);
  EXPECT_EQ(h.ue->kd_id(), h.relay->kd_id());
  EXPECT_TRUE(h.exchange_data());
}

TEST(Rekey, RelayTriggerStartsRekey) {
  Harness h;
  h.make_with_pruk();
  ASSERT_TRUE(h.handshake());
  const auto id0 = *h.ue->kd_sess_id();
  h.from_relay(h.relay->rekey(h.now).value());
  h.pump();
  EXPECT_NE(*h.ue->kd_sess_id(), id0);
  EXPECT_EQ(h.ue->kd_sess_id(), h.relay->kd_sess_id());
  EXPECT_TRUE(h.exchange_data());
}

// The COUNT of a KD-sess must never repeat: rekeying starts when it reaches the threshold. Here the threshold is
// set just past the first 16-bit SN wrap, so the test also crosses an HFN increment on both sides.
constexpr std::uint32_t kTestThreshold = 0x10000 + 16;

TEST(Rekey, CountLimitTriggersRekeyAfterSnWrap) {
  Harness h;
  auto uc = Harness::ue_config();
  auto rc = Harness::relay_config();
  uc.session.rekey_threshold = kTestThreshold;
  rc.session.rekey_threshold = kTestThreshold;
  h.make_with_pruk(std::move(uc), std::move(rc));
  ASSERT_TRUE(h.handshake());
  const auto id0 = *h.ue->kd_sess_id();
  std::uint32_t sent = 0;
  while (Harness::all<RekeyStarted>(h.ue_events).empty() && sent < kTestThreshold + 10) {
    h.from_ue(h.ue->send_data(h.now, Bytes(8, 0xAB)).value());
    ++sent;
  }
  EXPECT_EQ(sent, kTestThreshold);  // data COUNTs 0 .. threshold-1
  h.pump();
  auto rs = Harness::all<RekeyStarted>(h.ue_events);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_TRUE(rs[0]->count_limit);
  EXPECT_EQ(Harness::all<DataReceived>(h.relay_events).size(), sent);  // all delivered across the SN wrap
  EXPECT_NE(*h.ue->kd_sess_id(), id0);
  EXPECT_EQ(h.ue->kd_sess_id(), h.relay->kd_sess_id());
  EXPECT_EQ(h.ue->state(), RemoteState::kEstablished);
  EXPECT_TRUE(h.exchange_data());
}

TEST(Rekey, RelayCountLimitSendsTrigger) {
  Harness h;
  auto uc = Harness::ue_config();
  auto rc = Harness::relay_config();
  uc.session.rekey_threshold = kTestThreshold;
  rc.session.rekey_threshold = kTestThreshold;
  h.make_with_pruk(std::move(uc), std::move(rc));
  ASSERT_TRUE(h.handshake());
  const auto id0 = *h.relay->kd_sess_id();
  for (std::uint32_t i = 0; i < kTestThreshold; ++i) h.from_relay(h.relay->send_data(h.now, Bytes(8, 1)).value());
  auto rs = Harness::all<RekeyStarted>(h.relay_events);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_TRUE(rs[0]->count_limit);
  h.pump();
  EXPECT_NE(*h.relay->kd_sess_id(), id0);
  EXPECT_EQ(h.ue->kd_sess_id(), h.relay->kd_sess_id());
  EXPECT_TRUE(h.exchange_data());
}

TEST(Keepalive, KeepsTheLinkAndDetectsLoss) {
  Harness h;
  h.make_with_pruk();
  ASSERT_TRUE(h.handshake());
  // Three keepalive intervals with a healthy link: keepalives answered, no release.
  h.advance(TimerConfig{}[TimerId::kT4102] * 3 + Millis{10});
  EXPECT_EQ(h.ue->state(), RemoteState::kEstablished);
  EXPECT_EQ(h.relay->state(), RelayState::kEstablished);
  EXPECT_TRUE(h.ue_timer_armed(TimerId::kT4102));
  // The relay vanishes: the UE's keepalives go unanswered.
  h.filter = [](Dir, Bytes&) { return false; };
  h.run_until([&] { return h.ue->state() == RemoteState::kReleased; });
  auto* r = Harness::last<LinkReleased>(h.ue_events);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->cause, ReleaseCause::kKeepaliveTimeout);
  EXPECT_EQ(h.ue->kd_sess_id(), std::nullopt);  // keys gone
}

TEST(Keepalive, RelayReleasesAfterInactivity) {
  Harness h;
  auto uc = Harness::ue_config();
  uc.maximum_inactivity_period_s = 5;
  h.make_with_pruk(std::move(uc));
  ASSERT_TRUE(h.handshake());
  // The Remote UE goes silent (nothing reaches the relay).
  h.filter = [](Dir d, Bytes&) { return d != Dir::kToRelay; };
  h.run_until([&] { return h.relay->state() == RelayState::kReleased; });
  auto* r = Harness::last<LinkReleased>(h.relay_events);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->cause, ReleaseCause::kInactivity);
}

TEST(Keepalive, TrafficPostponesRelayInactivity) {
  Harness h;
  auto uc = Harness::ue_config();
  uc.maximum_inactivity_period_s = 5;
  h.make_with_pruk(std::move(uc));
  ASSERT_TRUE(h.handshake());
  for (int i = 0; i < 10; ++i) {
    h.advance(Millis{3000});
    ASSERT_TRUE(h.exchange_data(20));
  }
  EXPECT_EQ(h.relay->state(), RelayState::kEstablished);
}

TEST(Release, InitiatedByRemoteUe) {
  Harness h;
  h.make_with_pruk();
  ASSERT_TRUE(h.handshake());
  h.from_ue(h.ue->release(h.now).value());
  h.pump();
  EXPECT_EQ(h.ue->state(), RemoteState::kReleased);
  EXPECT_EQ(h.relay->state(), RelayState::kReleased);
  EXPECT_EQ(Harness::last<LinkReleased>(h.ue_events)->cause, ReleaseCause::kLocal);
  EXPECT_EQ(Harness::last<LinkReleased>(h.relay_events)->cause, ReleaseCause::kPeer);
  EXPECT_EQ(Harness::last<LinkReleased>(h.relay_events)->peer_reason, pc5::ReleaseReason::kNoLongerNeeded);
  EXPECT_FALSE(h.ue->send_data(h.now, Bytes{1}).ok());
}

TEST(Release, RetransmittedThenGivenUp) {
  Harness h;
  h.make_with_pruk();
  ASSERT_TRUE(h.handshake());
  h.filter = [](Dir, Bytes&) { return false; };
  h.from_relay(h.relay->release(h.now).value());
  h.run_until([&] { return h.relay->state() == RelayState::kReleased; });
  EXPECT_EQ(h.relay->state(), RelayState::kReleased);
  EXPECT_EQ(Harness::last<LinkReleased>(h.relay_events)->cause, ReleaseCause::kLocal);
}

// ---- state tables ------------------------------------------------------------------------------------------

TEST(StateTable, LocalRequestsOutsideTheTableAreRefusedAndChangeNothing) {
  Harness h;
  h.make_with_pruk();
  EXPECT_EQ(h.ue->send_data(h.now, Bytes{1}).error().code, Errc::kState);
  EXPECT_EQ(h.ue->rekey(h.now, false).error().code, Errc::kState);
  EXPECT_EQ(h.ue->release(h.now).error().code, Errc::kState);
  EXPECT_EQ(h.relay->kd_available(h.now, KdGrant{random_secret(32), {}, {}}).error().code, Errc::kState);
  EXPECT_EQ(h.relay->kd_error(h.now, pc5::Cause::kUnspecifiedError).error().code, Errc::kState);
  EXPECT_EQ(h.relay->send_data(h.now, Bytes{1}).error().code, Errc::kState);
  EXPECT_EQ(h.ue->state(), RemoteState::kIdle);
  EXPECT_EQ(h.relay->state(), RelayState::kIdle);
  h.from_ue(h.ue->start(h.now).value());
  EXPECT_EQ(h.ue->send_data(h.now, Bytes{1}).error().code, Errc::kState);  // WAIT_DSMC
  EXPECT_EQ(h.ue->start(h.now).error().code, Errc::kState);                // start twice
  EXPECT_EQ(h.ue->state(), RemoteState::kWaitDsmc);
}

// The UE in `state` (every state of RemoteState), with a PKMF that refuses for FAILED.
std::unique_ptr<Harness> ue_in(RemoteState state) {
  auto h = std::make_unique<Harness>();
  h->make_with_pruk();
  switch (state) {
    case RemoteState::kIdle:
      break;
    case RemoteState::kWaitDsmc:
      h->from_ue(h->ue->start(h->now).value());  // the DCR stays queued
      break;
    case RemoteState::kWaitDca:
      h->filter = [](Dir d, Bytes& p) {
        return !(d == Dir::kToUe && peek_type(p) != pc5::MessageType::kDirectSecurityModeCommand);
      };
      h->from_ue(h->ue->start(h->now).value());
      h->pump();
      h->filter = nullptr;
      break;
    case RemoteState::kEstablished:
      EXPECT_TRUE(h->handshake());
      break;
    case RemoteState::kRekeying:
      EXPECT_TRUE(h->handshake());
      (void)h->ue->rekey(h->now, false).value();  // the DRRq is not delivered
      break;
    case RemoteState::kReleasing:
      EXPECT_TRUE(h->handshake());
      (void)h->ue->release(h->now).value();  // the Release is not delivered
      break;
    case RemoteState::kReleased:
      EXPECT_TRUE(h->handshake());
      h->from_ue(h->ue->release(h->now).value());
      h->pump();
      break;
    case RemoteState::kFailed:
      h->pkmf.deny = true;
      h->from_ue(h->ue->start(h->now).value());
      h->pump();
      break;
  }
  EXPECT_EQ(h->ue->state(), state) << remote_state_name(state);
  return h;
}

TEST(StateTable, EveryMessageTypeOutsideTheTableIsDroppedInEveryUeState) {
  // In every UE state, each PC5 message the relay could send that has no row in the UE's state table (as
  // RemoteUe::state_table() lists it) is dropped by the table, and the state does not change. Once a security
  // context exists the messages are protected with the relay's context, so that the table, not a bad MAC, drops them.
  const auto table = RemoteUe::state_table();
  std::set<std::pair<std::string, std::string>> rows;
  std::set<std::string> inputs;
  for (const auto& r : table) {
    rows.insert({r.state, r.input});
    inputs.insert(r.input);
  }
  const std::vector<pc5::Message> msgs{
      pc5::DirectCommunicationAccept{1, pc5::IpAddressConfig::kIpv6Router, std::nullopt},
      pc5::DirectCommunicationReject{1, pc5::Cause::kUnspecifiedError},
      pc5::DirectCommunicationKeepalive{1, 5, std::nullopt},
      pc5::DirectCommunicationKeepaliveAck{1, 5},
      pc5::DirectCommunicationRelease{1, pc5::ReleaseReason::kNoLongerNeeded},
      pc5::DirectCommunicationReleaseAccept{1},
      pc5::DirectSecurityModeComplete{1, std::nullopt},
      pc5::DirectRekeyingTrigger{1},
      pc5::DirectRekeyingResponse{1},
  };
  // Each message goes with the protection the policy (pc5/protection_policy.h) gives it. A message that must be
  // protected cannot reach the table of a state without a security context: it is dropped by the protection check
  // (also checked, but not counted as a check of the table).
  std::size_t by_table = 0;
  std::set<std::string> states_fed, states_by_table;
  for (std::size_t si = 0; si < kRemoteStateCount; ++si) {
    const auto state = static_cast<RemoteState>(si);
    const std::string state_name = remote_state_name(state);
    for (const auto& m : msgs) {
      std::string input = std::string("rx ") + detail::message_name(m);
      if (!inputs.contains(input)) input = "rx other PC5 signalling";
      if (rows.contains({state_name, input})) continue;  // in the table: not this test's business
      SCOPED_TRACE(state_name + " / " + input);
      auto h = ue_in(state);
      const Bytes msg = pc5::encode(m).value();
      const auto policy = pc5::signalling_protection(pc5::message_type(m));
      ASSERT_TRUE(policy);
      auto* ctx = const_cast<SessionContext*>(h->relay->current_context());
      const bool has_context = ctx != nullptr && state != RemoteState::kIdle && state != RemoteState::kWaitDsmc &&
                               state != RemoteState::kReleased && state != RemoteState::kFailed;
      const bool unprotected = policy->protection == pc5::PdcpProtection::kNone;
      const Bytes pdu =
          unprotected || !has_context
              ? pdcp::encode_unprotected(pdcp::SduType::kPc5Signalling, 0, msg)
              : ctx->protect_signalling(msg, pdcp::ProtectionMode{pc5::uses_integrity(policy->protection),
                                                                  pc5::uses_ciphering(policy->protection)})
                    .value();
      auto out = h->ue->on_pdu(h->now, pdu);
      EXPECT_TRUE(out.pdus.empty());
      auto* d = out.find<PduDropped>();
      ASSERT_NE(d, nullptr);
      EXPECT_EQ(h->ue->state(), state);
      states_fed.insert(state_name);
      if (unprotected || has_context) {
        EXPECT_NE(d->detail.find(input + " not allowed in state " + state_name), std::string::npos) << d->detail;
        ++by_table;
        states_by_table.insert(state_name);
      }
    }
  }
  EXPECT_EQ(states_fed.size(), kRemoteStateCount);
  // WAIT_DSMC's table takes the only message that may come unprotected (the reject); all other states drop some
  // message by their table.
  EXPECT_EQ(states_by_table.size(), kRemoteStateCount - 1);
  EXPECT_FALSE(states_by_table.contains("WAIT_DSMC"));
  EXPECT_GT(by_table, 20u);
}

TEST(StateTable, TablesAreListedForTheDocs) {
  auto r = RemoteUe::state_table();
  auto l = Relay::state_table();
  EXPECT_GT(r.size(), 20u);
  EXPECT_GT(l.size(), 20u);
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& row : r) EXPECT_TRUE(seen.insert({row.state, row.input}).second) << "duplicate row";
  seen.clear();
  for (const auto& row : l) EXPECT_TRUE(seen.insert({row.state, row.input}).second) << "duplicate row";
}

TEST(Timers, StaleOrEarlyExpiryIsIgnored) {
  Harness h;
  h.make_with_pruk();
  h.from_ue(h.ue->start(h.now).value());
  auto early = h.ue->on_timer(h.now, TimerId::kT4100);  // not yet due
  EXPECT_TRUE(early.pdus.empty());
  auto other = h.ue->on_timer(h.now + Millis{100000}, TimerId::kT4103);  // not armed
  EXPECT_TRUE(other.pdus.empty());
  auto due = h.ue->on_timer(h.now + Millis{100000}, TimerId::kT4100);
  EXPECT_EQ(due.pdus.size(), 1u);  // DCR retransmission
}

// ---- components --------------------------------------------------------------------------------------------

TEST(KdSessIds, NeverZeroAndCollisionFree) {
  KdSessIdRegistry r;
  std::set<ids::KdSessId> ids;
  for (int i = 0; i < 2000; ++i) {
    auto msb = r.choose_msb();
    if (!msb) break;
    auto lsb = r.choose_lsb(*msb).value();
    const auto id = ids::KdSessId::from_halves(*msb, lsb);
    EXPECT_NE(id, ids::kUnprotectedKdSessId);
    EXPECT_TRUE(r.claim(id).ok());
    EXPECT_TRUE(ids.insert(id).second);
  }
  EXPECT_EQ(ids.size(), 256u);  // each MSB once: the initiator identifies its context by MSB alone
  EXPECT_FALSE(r.choose_msb().ok());
  EXPECT_FALSE(r.claim(ids::kUnprotectedKdSessId).ok());
  EXPECT_FALSE(r.claim(*ids.begin()).ok());
  // Responder side: all 255 non-zero LSBs of MSB 0, then none.
  KdSessIdRegistry s;
  for (int i = 0; i < 255; ++i) ASSERT_TRUE(s.claim(ids::KdSessId::from_halves(0, s.choose_lsb(0).value())).ok());
  EXPECT_FALSE(s.choose_lsb(0).ok());
}

TEST(Algorithms, PolicyChoosesStrongestCommonAndNeverEia0) {
  AlgorithmPolicy p;
  auto c = p.capabilities();
  EXPECT_FALSE(c.supports_eia(0));
  EXPECT_FALSE(c.supports_eea(0));
  EXPECT_TRUE(c.supports_eia(2));
  auto peer = pc5::UeSecurityCapabilities{}.add_eea(0).add_eea(3).add_eia(0).add_eia(3);
  auto a = p.choose(peer).value();
  EXPECT_EQ(a, (AlgorithmPair{cipher::Eea::kEea3, cipher::Eia::kEia3}));
  EXPECT_FALSE(p.choose(pc5::UeSecurityCapabilities{}.add_eea(2).add_eia(0)).ok());
  EXPECT_FALSE(p.choose(pc5::UeSecurityCapabilities{}.add_eea(0).add_eia(2)).ok());  // EEA0 not allowed by default
  EXPECT_FALSE(p.accepts({cipher::Eea::kEea2, cipher::Eia::kEia0}));
  EXPECT_FALSE(AlgorithmPair::from_wire({4, 2}).ok());
}

TEST(Context, BothRolesDeriveTheSameKeys) {
  auto kd = random_secret(32);
  ids::Nonce1 n1{};
  ids::Nonce2 n2{};
  random_fill(n1);
  random_fill(n2);
  AlgorithmPair algs{cipher::Eea::kEea2, cipher::Eia::kEia2};
  auto ue =
      SessionContext::derive(cipher::default_backend(), Role::kRemoteUe, kd.view(), n1, n2, ids::KdSessId{0x1234}, algs)
          .value();
  auto rl =
      SessionContext::derive(cipher::default_backend(), Role::kRelay, kd.view(), n1, n2, ids::KdSessId{0x1234}, algs)
          .value();
  auto pdu = ue.protect_signalling(Bytes{0x04, 0, 1, 0, 0, 0, 1}, kModeIntegrityCiphering).value();
  EXPECT_EQ(rl.unprotect_signalling(pdu, kModeIntegrityCiphering).value().sdu, (Bytes{0x04, 0, 1, 0, 0, 0, 1}));
  // A PDU the UE sent cannot be reflected back to the UE (DIRECTION differs).
  EXPECT_FALSE(ue.unprotect_signalling(pdu, kModeIntegrityCiphering).ok());
  // The keys the PC5 key log shows are the ones A.4 derives from KD-sess, the same on both sides.
  auto kd_sess = keys::derive_kd_sess(kd.view(), n1, n2).value();
  EXPECT_TRUE(ue.pek() == keys::derive_pek(kd_sess.view(), 2).value());
  EXPECT_TRUE(ue.pik() == keys::derive_pik(kd_sess.view(), 2).value());
  EXPECT_TRUE(rl.pek() == ue.pek());
  EXPECT_TRUE(rl.pik() == ue.pik());
  EXPECT_FALSE(SessionContext::derive(cipher::default_backend(), Role::kRelay, kd.view(), n1, n2,
                                      ids::kUnprotectedKdSessId, algs)
                   .ok());
  EXPECT_FALSE(SessionContext::derive(cipher::default_backend(), Role::kRelay, kd.view(), n1, n2, ids::KdSessId{1},
                                      {cipher::Eea::kEea2, cipher::Eia::kEia0})
                   .ok());
}

}  // namespace
}  // namespace prose::link::test

namespace prose::link::test {
namespace {

TEST(StateTable, DocsListEveryRow) {
  std::ifstream f(std::string(PROSE_SOURCE_DIR) + "/docs/link.md");
  ASSERT_TRUE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string doc = ss.str();
  for (const auto& rows : {RemoteUe::state_table(), Relay::state_table()})
    for (const auto& r : rows) {
      const std::string line = "| " + r.state + " | " + r.input + " | " + r.action + " |";
      EXPECT_NE(doc.find(line), std::string::npos) << "docs/link.md lacks: " << line;
    }
}

TEST(Registry, MachinesGiveTheirIdsBack) {
  auto ue_ids = std::make_shared<KdSessIdRegistry>();
  auto relay_ids = std::make_shared<KdSessIdRegistry>();
  {
    Harness h;
    auto uc = Harness::ue_config();
    auto rc = Harness::relay_config();
    uc.ids = ue_ids;
    rc.ids = relay_ids;
    h.make_with_pruk(std::move(uc), std::move(rc));
    ASSERT_TRUE(h.handshake());
    h.from_ue(h.ue->rekey(h.now, false).value());
    h.pump();
    EXPECT_EQ(ue_ids->live_count(), 2u);  // current and previous context
    EXPECT_EQ(relay_ids->live_count(), 2u);
  }
  EXPECT_EQ(ue_ids->live_count(), 0u);
  EXPECT_EQ(relay_ids->live_count(), 0u);
  for (unsigned m = 0; m < 256; ++m) EXPECT_FALSE(ue_ids->msb_reserved(static_cast<std::uint8_t>(m)));
}

}  // namespace
}  // namespace prose::link::test

namespace prose::link::test {
namespace {

TEST(Rekey, PkmfRefusalDuringAuthRekeyReleasesTheLink) {
  Harness h;
  h.make_with_pruk();
  ASSERT_TRUE(h.handshake());
  h.pkmf.deny = true;
  h.from_ue(h.ue->rekey(h.now, true).value());
  h.pump();
  auto* f = Harness::last<SetupFailed>(h.relay_events);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->cause, pc5::Cause::kDirectCommunicationNotAllowed);
  EXPECT_EQ(h.relay->state(), RelayState::kReleased);
  EXPECT_EQ(h.ue->state(), RemoteState::kReleased);
  EXPECT_EQ(Harness::last<LinkReleased>(h.ue_events)->peer_reason, pc5::ReleaseReason::kNoLongerAllowed);
}

TEST(Replay, DsmCompleteAndSignallingReplaysAtTheRelayAreDropped) {
  Harness h;
  h.make_with_pruk();
  ASSERT_TRUE(h.handshake());
  const auto id = h.relay->kd_sess_id();
  for (const auto& pdu : h.sent_to_relay) {  // DCR, DSM Complete
    auto out = h.relay->on_pdu(h.now, pdu);
    EXPECT_EQ(h.relay->state(), RelayState::kEstablished);
    EXPECT_EQ(h.relay->kd_sess_id(), id);
    if (peek_type(pdu) == pc5::MessageType::kDirectCommunicationRequest) {
      // A replayed DCR is the "DCA lost" case: the relay answers with a fresh DCA under the current context.
      EXPECT_EQ(out.pdus.size(), 1u);
    } else {
      EXPECT_TRUE(out.pdus.empty());
      ASSERT_NE(out.find<PduDropped>(), nullptr);
    }
  }
  EXPECT_TRUE(h.exchange_data());
}

TEST(Release, CrossingReleasesBothEndReleased) {
  Harness h;
  h.make_with_pruk();
  ASSERT_TRUE(h.handshake());
  h.from_ue(h.ue->release(h.now).value());
  h.from_relay(h.relay->release(h.now).value());
  h.pump();
  EXPECT_EQ(h.ue->state(), RemoteState::kReleased);
  EXPECT_EQ(h.relay->state(), RelayState::kReleased);
}

}  // namespace
}  // namespace prose::link::test

// PC5 link robustness (issue 8): every single (and double) loss of a handshake PDU is recovered by retransmission,
// retransmissions are reported (Retransmitted), and when every retransmission is lost both machines end cleanly.
#include <gtest/gtest.h>

#include <set>

#include "harness.h"

namespace prose::link::test {
namespace {

constexpr int kCiphered = -1;
constexpr int kDcr = static_cast<int>(pc5::MessageType::kDirectCommunicationRequest);
constexpr int kDsmc =
    static_cast<int>(pc5::MessageType::kDirectSecurityModeCommand);  // "type" of a PDU that cannot be read in flight
                                                                     // (DSM Complete, DCA, later signalling)

struct LossCase {
  const char* name;
  Dir dir;
  int type;   // pc5::MessageType, or kCiphered
  int count;  // how many of them are lost (the first `count`)
  bool imsi;  // DCR with the IMSI (GBA Push: GPI in the DSMC) instead of the PRUK ID
};

std::string name_of(const ::testing::TestParamInfo<LossCase>& i) {
  return std::string(i.param.name) + "_x" + std::to_string(i.param.count) + (i.param.imsi ? "_Imsi" : "_PrukId");
}

// Drops the first `count` PDUs of one kind in one direction.
struct Dropper {
  Dir dir;
  int type;
  int count;
  int dropped = 0;
  bool operator()(Dir d, Bytes& p) {
    if (d != dir || dropped >= count) return true;
    auto t = peek_type(p);
    const bool match = type >= 0 ? (t && static_cast<int>(*t) == type) : !t.has_value();
    if (!match) return true;
    ++dropped;
    return false;
  }
};

std::vector<const Retransmitted*> retransmissions(const std::vector<Event>& evs, const std::string& what) {
  std::vector<const Retransmitted*> out;
  for (const auto* r : Harness::all<Retransmitted>(evs))
    if (r->what == what) out.push_back(r);
  return out;
}

class HandshakeLoss : public ::testing::TestWithParam<LossCase> {};

TEST_P(HandshakeLoss, LinkStillComesUp) {
  const auto c = GetParam();
  Harness h;
  if (c.imsi)
    h.make(Harness::ue_config(), Harness::relay_config());
  else
    h.make_with_pruk();
  auto drop = std::make_shared<Dropper>(Dropper{c.dir, c.type, c.count});
  h.filter = [drop](Dir d, Bytes& p) { return (*drop)(d, p); };
  ASSERT_TRUE(h.handshake()) << "UE " << remote_state_name(h.ue->state()) << ", relay "
                             << relay_state_name(h.relay->state());
  EXPECT_EQ(drop->dropped, c.count);
  EXPECT_TRUE(h.exchange_data());
  EXPECT_EQ(h.ue->kd_id(), h.relay->kd_id());
  EXPECT_EQ(h.ue->kd_sess_id(), h.relay->kd_sess_id());
  EXPECT_EQ(h.pkmf.requests, 1);  // no retransmission costs a second Key Request (nor a second GBA Push)
  EXPECT_EQ(Harness::all<NewPruk>(h.ue_events).size(), c.imsi ? 1u : 0u);  // the GPI is processed once
  EXPECT_EQ(Harness::all<SetupFailed>(h.ue_events).size(), 0u);
  EXPECT_EQ(Harness::all<SetupFailed>(h.relay_events).size(), 0u);
  // Whoever lost a PDU got it again through a retransmission, and the machines said so.
  const auto ue_retx = Harness::all<Retransmitted>(h.ue_events).size();
  const auto relay_retx = Harness::all<Retransmitted>(h.relay_events).size();
  EXPECT_GE(ue_retx + relay_retx, static_cast<std::size_t>(c.count));
  const auto n = static_cast<std::size_t>(c.count);
  std::size_t seen = 0;
  if (c.type == kDcr) seen = retransmissions(h.ue_events, "DIRECT_COMMUNICATION_REQUEST").size();
  if (c.type == kDsmc) seen = retransmissions(h.relay_events, "DIRECT_SECURITY_MODE_COMMAND").size();
  if (c.type == kCiphered && c.dir == Dir::kToRelay)  // DSM Complete
    seen = retransmissions(h.ue_events, "DIRECT_SECURITY_MODE_COMPLETE").size();
  if (c.type == kCiphered && c.dir == Dir::kToUe)  // DCA
    seen = retransmissions(h.relay_events, "DIRECT_COMMUNICATION_ACCEPT").size();
  EXPECT_GE(seen, n);
  // Attempts count up from 1 per message type.
  for (const auto* evs : {&h.ue_events, &h.relay_events}) {
    std::map<std::string, unsigned> last;
    for (const auto* r : Harness::all<Retransmitted>(*evs)) {
      EXPECT_EQ(r->attempt, last[r->what] + 1) << r->what;
      last[r->what] = r->attempt;
    }
  }
}

std::vector<LossCase> loss_cases() {
  std::vector<LossCase> v;
  for (bool imsi : {false, true})
    for (int n : {1, 2}) {
      v.push_back({"Dcr", Dir::kToRelay, kDcr, n, imsi});
      v.push_back({"Dsmc", Dir::kToUe, kDsmc, n, imsi});
      v.push_back({"DsmComplete", Dir::kToRelay, kCiphered, n, imsi});
      v.push_back({"Dca", Dir::kToUe, kCiphered, n, imsi});
    }
  return v;
}

INSTANTIATE_TEST_SUITE_P(Link, HandshakeLoss, ::testing::ValuesIn(loss_cases()), name_of);

// The case of the known bug (agents' loss scenario): the UE's T4100 is longer than the relay's T4111, so the lost
// DSM Complete is recovered by the relay's T4111: it resends the identical DSMC (next COUNT), the UE in WAIT_DCA
// resends its DSM Complete (same context, next COUNT, no new keys).
TEST(Retransmission, LostDsmCompleteRecoveredByT4111) {
  Harness h;
  auto uc = Harness::ue_config();
  uc.timers.value[static_cast<std::size_t>(TimerId::kT4100)] = Millis{2500};
  h.make_with_pruk(std::move(uc));
  auto drop = std::make_shared<Dropper>(Dropper{Dir::kToRelay, kCiphered, 1});
  h.filter = [drop](Dir d, Bytes& p) { return (*drop)(d, p); };
  h.from_ue(h.ue->start(h.now).value());
  h.pump();
  ASSERT_EQ(h.ue->state(), RemoteState::kWaitDca);
  ASSERT_EQ(drop->dropped, 1);
  const auto id = h.ue->kd_sess_id();
  const auto kd_id = h.ue->kd_id();
  h.run_until([&] { return h.ue->state() == RemoteState::kEstablished || h.ue->state() == RemoteState::kFailed; });
  ASSERT_EQ(h.ue->state(), RemoteState::kEstablished);
  ASSERT_EQ(h.relay->state(), RelayState::kEstablished);
  EXPECT_EQ(h.ue->kd_sess_id(), id);  // the same context, not a new one
  EXPECT_EQ(h.ue->kd_id(), kd_id);
  // No DCR was retransmitted: T4111 did the work.
  EXPECT_TRUE(retransmissions(h.ue_events, "DIRECT_COMMUNICATION_REQUEST").empty());
  ASSERT_EQ(retransmissions(h.relay_events, "DIRECT_SECURITY_MODE_COMMAND").size(), 1u);
  ASSERT_EQ(retransmissions(h.ue_events, "DIRECT_SECURITY_MODE_COMPLETE").size(), 1u);
  // The two DSMCs carry the same message under the same KD-sess ID but are different PDUs (next COUNT).
  std::vector<Bytes> dsmcs;
  for (const auto& p : h.sent_to_ue)
    if (peek_type(p) == pc5::MessageType::kDirectSecurityModeCommand) dsmcs.push_back(p);
  ASSERT_EQ(dsmcs.size(), 2u);
  const auto h0 = pdcp::decode_header(dsmcs[0]).value(), h1 = pdcp::decode_header(dsmcs[1]).value();
  EXPECT_EQ(h0.kd_sess_id, h1.kd_sess_id);
  EXPECT_NE(dsmcs[0], dsmcs[1]);
  auto body = [](const Bytes& p) {
    return Bytes(p.begin() + pdcp::kHeaderSize, p.end() - static_cast<std::ptrdiff_t>(pdcp::kMacISize));
  };
  EXPECT_EQ(body(dsmcs[0]), body(dsmcs[1]));
  // The two DSM Completes: same KD-sess ID, different PDUs.
  ASSERT_EQ(h.sent_to_relay.size(), 3u);  // DCR, DSM Complete, DSM Complete again
  EXPECT_EQ(pdcp::decode_header(h.sent_to_relay[1]).value().kd_sess_id,
            pdcp::decode_header(h.sent_to_relay[2]).value().kd_sess_id);
  EXPECT_NE(h.sent_to_relay[1], h.sent_to_relay[2]);
  EXPECT_TRUE(h.exchange_data());
}

// A PDU under the UE's context that is a valid DSMC but not the one it answered is dropped and never answered.
TEST(Retransmission, DifferentDsmcUnderTheSameContextIsNotAnswered) {
  Harness h;
  h.make_with_pruk();
  h.auto_pkmf = false;
  h.from_ue(h.ue->start(h.now).value());
  h.pump();
  ASSERT_TRUE(h.pending_kd_request);
  NeedKd req = *h.pending_kd_request;
  h.pending_kd_request.reset();
  auto grant = h.pkmf.handle(req).value();
  SecretBytes kd = grant.kd.clone();
  h.from_relay(h.relay->kd_available(h.now, std::move(grant)).value());
  h.filter = [](Dir d, Bytes&) { return d != Dir::kToRelay; };  // keep the relay from answering
  h.pump();
  ASSERT_EQ(h.ue->state(), RemoteState::kWaitDca);
  const Bytes dsmc_pdu = h.sent_to_ue.at(0);
  const auto hdr = pdcp::decode_header(dsmc_pdu).value();
  auto m =
      pc5::decode(ByteView(dsmc_pdu).subspan(pdcp::kHeaderSize, dsmc_pdu.size() - pdcp::kHeaderSize - pdcp::kMacISize))
          .value();
  auto d = std::get<pc5::DirectSecurityModeCommand>(m);
  auto dcr = pc5::decode(pdcp::decode_unprotected(h.sent_to_relay.at(0)).value().sdu).value();
  const auto& n1 = std::get<pc5::DirectCommunicationRequest>(dcr).nonce_1;
  // The relay's own context, rebuilt from its KD (a sender holding the keys, or a confused relay).
  auto algs = AlgorithmPair::from_wire(d.chosen_algorithms).value();
  auto ctx =
      SessionContext::derive(cipher::default_backend(), Role::kRelay, kd.view(), n1, d.nonce_2, hdr.kd_sess_id, algs)
          .value();
  (void)ctx.protect_signalling(pc5::encode(d).value(), kModeIntegrity).value();  // COUNT 0: the UE has seen it
  auto other = d;
  other.msb_of_kd_id = static_cast<std::uint16_t>(*d.msb_of_kd_id ^ 0x0101);
  auto forged = ctx.protect_signalling(pc5::encode(other).value(), kModeIntegrity).value();
  auto out = h.ue->on_pdu(h.now, forged);
  EXPECT_TRUE(out.pdus.empty());
  ASSERT_NE(out.find<PduDropped>(), nullptr);
  EXPECT_EQ(out.find<PduDropped>()->reason, Errc::kReplay);
  EXPECT_EQ(out.find<Retransmitted>(), nullptr);
  EXPECT_EQ(h.ue->state(), RemoteState::kWaitDca);
  // The identical DSMC under the same context is answered (one DSM Complete, reported as a retransmission).
  auto same = ctx.protect_signalling(pc5::encode(d).value(), kModeIntegrity).value();
  auto out2 = h.ue->on_pdu(h.now, same);
  EXPECT_EQ(out2.pdus.size(), 1u);
  ASSERT_NE(out2.find<Retransmitted>(), nullptr);
  EXPECT_EQ(out2.find<Retransmitted>()->what, "DIRECT_SECURITY_MODE_COMPLETE");
  EXPECT_EQ(out2.find<Retransmitted>()->attempt, 1u);
  EXPECT_EQ(h.ue->state(), RemoteState::kWaitDca);
}

// Every DSM Complete is lost: the relay resends the DSMC T4111-max times, then rejects (#6); the Remote UE in
// WAIT_DCA takes that reject (it no longer drops it) and fails with the relay's cause. Nothing stays armed or claimed.
TEST(Retransmission, AllDsmCompletesLostBothSidesFailWithTheRelaysCause) {
  Harness h;
  auto ids = std::make_shared<KdSessIdRegistry>();
  auto uc = Harness::ue_config();
  uc.timers.value[static_cast<std::size_t>(TimerId::kT4100)] = Millis{30000};  // the relay gives up first
  uc.ids = ids;
  h.make_with_pruk(std::move(uc));
  h.filter = [](Dir d, Bytes& p) { return !(d == Dir::kToRelay && !peek_type(p)); };
  EXPECT_FALSE(h.handshake());
  EXPECT_EQ(h.relay->state(), RelayState::kFailed);
  EXPECT_EQ(h.ue->state(), RemoteState::kFailed);
  const unsigned retries = TimerConfig{}.retries(TimerId::kT4111);
  EXPECT_EQ(retransmissions(h.relay_events, "DIRECT_SECURITY_MODE_COMMAND").size(), retries);
  EXPECT_EQ(retransmissions(h.ue_events, "DIRECT_SECURITY_MODE_COMPLETE").size(), retries);
  auto* rf = Harness::last<SetupFailed>(h.relay_events);
  ASSERT_NE(rf, nullptr);
  EXPECT_EQ(rf->cause, pc5::Cause::kLinkSetupFailureOtherErrors);
  EXPECT_FALSE(rf->from_peer);
  auto* uf = Harness::last<SetupFailed>(h.ue_events);
  ASSERT_NE(uf, nullptr);
  EXPECT_EQ(uf->cause, pc5::Cause::kLinkSetupFailureOtherErrors);
  EXPECT_TRUE(uf->from_peer);
  EXPECT_EQ(Harness::all<SetupFailed>(h.ue_events).size(), 1u);
  EXPECT_EQ(Harness::last<LinkSecured>(h.ue_events), nullptr);
  EXPECT_EQ(Harness::last<LinkSecured>(h.relay_events), nullptr);
  EXPECT_FALSE(h.ue->timers().earliest().has_value());
  EXPECT_FALSE(h.relay->timers().earliest().has_value());
  EXPECT_FALSE(h.fire_next_timer());
  EXPECT_EQ(h.ue->kd_sess_id(), std::nullopt);
  EXPECT_EQ(ids->live_count(), 0u);  // a failed machine holds no KD-sess ID, nor a reserved MSB
  for (unsigned m = 0; m < 256; ++m) EXPECT_FALSE(ids->msb_reserved(static_cast<std::uint8_t>(m)));
}

// The relay's reject is lost too: the Remote UE fails on its own T4100, after retransmitting the DCR.
TEST(Retransmission, AllDsmCompletesAndTheRejectLostUeFailsOnT4100) {
  Harness h;
  h.make_with_pruk();
  h.filter = [](Dir d, Bytes& p) {
    if (d == Dir::kToRelay) return peek_type(p).has_value();              // no DSM Complete
    return peek_type(p) != pc5::MessageType::kDirectCommunicationReject;  // no DCRj
  };
  EXPECT_FALSE(h.handshake());
  h.run_until([&] { return h.relay->state() == RelayState::kFailed; });
  EXPECT_EQ(h.ue->state(), RemoteState::kFailed);
  EXPECT_EQ(h.relay->state(), RelayState::kFailed);
  auto* uf = Harness::last<SetupFailed>(h.ue_events);
  ASSERT_NE(uf, nullptr);
  EXPECT_FALSE(uf->from_peer);
  EXPECT_EQ(retransmissions(h.ue_events, "DIRECT_COMMUNICATION_REQUEST").size(),
            TimerConfig{}.retries(TimerId::kT4100));
  EXPECT_FALSE(h.fire_next_timer());
}

// Every DCA is lost: the UE fails on T4100 after its DCR retransmissions (each answered by a resent DCA); the relay,
// which considers the link up, releases it on inactivity and ends RELEASED after its Release retransmissions.
TEST(Retransmission, AllDcasLostUeFailsRelayReleasesOnInactivity) {
  Harness h;
  h.make_with_pruk();
  h.filter = [](Dir d, Bytes& p) { return !(d == Dir::kToUe && !peek_type(p)); };
  EXPECT_FALSE(h.handshake());
  EXPECT_EQ(h.ue->state(), RemoteState::kFailed);
  EXPECT_EQ(retransmissions(h.relay_events, "DIRECT_COMMUNICATION_ACCEPT").size(),
            TimerConfig{}.retries(TimerId::kT4100));
  h.run_until([&] { return h.relay->state() == RelayState::kReleased; });
  EXPECT_EQ(h.relay->state(), RelayState::kReleased);
  auto* rel = Harness::last<LinkReleased>(h.relay_events);
  ASSERT_NE(rel, nullptr);
  EXPECT_EQ(rel->cause, ReleaseCause::kInactivity);
  EXPECT_EQ(retransmissions(h.relay_events, "DIRECT_COMMUNICATION_RELEASE").size(),
            TimerConfig{}.retries(TimerId::kT4103));
  EXPECT_FALSE(h.fire_next_timer());
}

// Every DSMC is lost: the relay gives up after its retransmissions and the UE, still in WAIT_DSMC, takes the reject.
TEST(Retransmission, AllDsmcsLostBothSidesFail) {
  Harness h;
  auto uc = Harness::ue_config();
  uc.timers.value[static_cast<std::size_t>(TimerId::kT4100)] = Millis{30000};
  h.make_with_pruk(std::move(uc));
  h.filter = [](Dir d, Bytes& p) {
    return !(d == Dir::kToUe && peek_type(p) == pc5::MessageType::kDirectSecurityModeCommand);
  };
  EXPECT_FALSE(h.handshake());
  EXPECT_EQ(h.relay->state(), RelayState::kFailed);
  EXPECT_EQ(h.ue->state(), RemoteState::kFailed);
  EXPECT_EQ(retransmissions(h.relay_events, "DIRECT_SECURITY_MODE_COMMAND").size(),
            TimerConfig{}.retries(TimerId::kT4111));
  auto* uf = Harness::last<SetupFailed>(h.ue_events);
  ASSERT_NE(uf, nullptr);
  EXPECT_TRUE(uf->from_peer);
}

// A reject that does not answer our DCR (another sequence number) is dropped in WAIT_DCA.
TEST(Retransmission, RejectForAnotherDcrIsDropped) {
  Harness h;
  h.make_with_pruk();
  h.from_ue(h.ue->start(h.now).value());
  h.filter = [](Dir d, Bytes& p) { return !(d == Dir::kToRelay && !peek_type(p)); };
  h.pump();
  ASSERT_EQ(h.ue->state(), RemoteState::kWaitDca);
  auto dcr = pc5::decode(pdcp::decode_unprotected(h.sent_to_relay.at(0)).value().sdu).value();
  const auto seq = std::get<pc5::DirectCommunicationRequest>(dcr).sequence_number;
  auto wrong =
      pdcp::encode_unprotected(pdcp::SduType::kPc5Signalling, 0,
                               pc5::encode(pc5::DirectCommunicationReject{static_cast<std::uint16_t>(seq + 1),
                                                                          pc5::Cause::kLinkSetupFailureOtherErrors})
                                   .value());
  auto out = h.ue->on_pdu(h.now, wrong);
  ASSERT_NE(out.find<PduDropped>(), nullptr);
  EXPECT_EQ(h.ue->state(), RemoteState::kWaitDca);
  auto right =
      pdcp::encode_unprotected(pdcp::SduType::kPc5Signalling, 0,
                               pc5::encode(pc5::DirectCommunicationReject{seq, pc5::Cause::kLackOfResources}).value());
  auto out2 = h.ue->on_pdu(h.now, right);
  ASSERT_NE(out2.find<SetupFailed>(), nullptr);
  EXPECT_EQ(out2.find<SetupFailed>()->cause, pc5::Cause::kLackOfResources);
  EXPECT_TRUE(out2.find<SetupFailed>()->from_peer);
  EXPECT_EQ(h.ue->state(), RemoteState::kFailed);
}

// The Remote UE gave up its first attempt (nothing of the relay's reached it) and starts again with a new DCR (new
// Nonce_1) while the relay still waits for the PKMF or for DSM Complete: the relay drops the pending setup and
// serves the new request. Before, it refused every DCR but the first ("a new DCR while this link is in use") until
// T4111 ran out, so the UE's second attempt failed too.
TEST(Retransmission, NewDcrReplacesAPendingSetup) {
  for (const bool pkmf_pending : {false, true}) {
    SCOPED_TRACE(pkmf_pending ? "relay in WAIT_KD" : "relay in WAIT_DSM_COMPLETE");
    Harness h;
    h.make_with_pruk();
    h.auto_pkmf = !pkmf_pending;
    h.filter = [](Dir d, Bytes&) { return d != Dir::kToUe; };
    h.from_ue(h.ue->start(h.now).value());
    h.pump();
    ASSERT_EQ(h.relay->state(), pkmf_pending ? RelayState::kWaitKd : RelayState::kWaitDsmComplete);
    const auto first_id = h.relay_events.size();

    // A new Remote UE machine (the agent starts one after a failed attempt): same PRUK, new Nonce_1.
    auto uc = Harness::ue_config();
    const auto& [id, pruk] = *h.pkmf.pruks.begin();
    uc.pruk_id = id;
    uc.pruk = pruk.clone();
    uc.gpi_processor = make_gba_gpi_processor(*h.sub.usim, kImpi, h.pkmf.naf_id());
    h.ue = RemoteUe::create(std::move(uc)).value();
    h.filter = nullptr;
    h.auto_pkmf = true;
    h.pending_kd_request.reset();  // the PKMF never answers the first Key Request (the new DCR supersedes it)
    ASSERT_TRUE(h.handshake()) << "UE " << remote_state_name(h.ue->state()) << ", relay "
                               << relay_state_name(h.relay->state());
    EXPECT_TRUE(h.exchange_data());
    EXPECT_EQ(h.ue->kd_id(), h.relay->kd_id());
    EXPECT_EQ(h.ue->kd_sess_id(), h.relay->kd_sess_id());
    EXPECT_EQ(h.pkmf.requests, pkmf_pending ? 1 : 2);  // WAIT_KD: only the second Key Request was answered
    for (std::size_t i = first_id; i < h.relay_events.size(); ++i)
      EXPECT_FALSE(std::holds_alternative<PduDropped>(h.relay_events[i]));
  }
}

// Keepalive, Release and Direct Rekeying Request retransmissions are reported too.
TEST(Retransmission, KeepaliveReleaseAndRekeyRetransmissionsAreReported) {
  {
    Harness h;
    h.make_with_pruk();
    ASSERT_TRUE(h.handshake());
    h.filter = [](Dir d, Bytes&) { return d != Dir::kToRelay; };
    h.run_until([&] { return h.ue->state() == RemoteState::kReleased; });
    const auto k = retransmissions(h.ue_events, "DIRECT_COMMUNICATION_KEEPALIVE");
    ASSERT_EQ(k.size(), TimerConfig{}.retries(TimerId::kT4101));
    EXPECT_EQ(k.back()->attempt, TimerConfig{}.retries(TimerId::kT4101));
  }
  {
    Harness h;
    h.make_with_pruk();
    ASSERT_TRUE(h.handshake());
    h.filter = [](Dir d, Bytes&) { return d != Dir::kToRelay; };
    h.from_ue(h.ue->rekey(h.now, false).value());
    h.run_until([&] { return h.ue->state() == RemoteState::kReleased; });
    EXPECT_EQ(retransmissions(h.ue_events, "DIRECT_REKEYING_REQUEST").size(), TimerConfig{}.retries(TimerId::kRekey));
    EXPECT_EQ(retransmissions(h.ue_events, "DIRECT_COMMUNICATION_RELEASE").size(),
              TimerConfig{}.retries(TimerId::kT4103));
  }
}

// A lost rekey DSM Complete: the relay resends the rekey DSMC, the UE (already on the new context) answers again.
TEST(Retransmission, LostRekeyDsmCompleteRecovered) {
  Harness h;
  h.make_with_pruk();
  ASSERT_TRUE(h.handshake());
  auto drop = std::make_shared<Dropper>(Dropper{Dir::kToRelay, kCiphered, 1});
  h.filter = [drop](Dir d, Bytes& p) {
    // Only the first ciphered PDU after the DRRq: the DRRq itself is ciphered too, so skip it.
    static int seen = 0;
    if (d == Dir::kToRelay && !peek_type(p) && seen++ == 1) {
      drop->dropped = 1;
      return false;
    }
    return true;
  };
  h.from_ue(h.ue->rekey(h.now, true).value());
  h.run_until([&] { return h.relay->state() == RelayState::kEstablished && h.relay->kd_id() == h.ue->kd_id(); });
  EXPECT_EQ(drop->dropped, 1);
  EXPECT_EQ(h.relay->state(), RelayState::kEstablished);
  EXPECT_EQ(h.ue->state(), RemoteState::kEstablished);
  EXPECT_EQ(h.ue->kd_sess_id(), h.relay->kd_sess_id());
  EXPECT_EQ(retransmissions(h.relay_events, "DIRECT_SECURITY_MODE_COMMAND").size(), 1u);
  EXPECT_EQ(retransmissions(h.ue_events, "DIRECT_SECURITY_MODE_COMPLETE").size(), 1u);
  EXPECT_TRUE(h.exchange_data());
}

// A DSM Complete that is late rather than lost: the relay's T4111 resent the DSMC, so the UE answers twice. The
// relay secures the link on the first and answers the second with its DCA again; the UE ignores the extra DCA.
TEST(Retransmission, LateDsmCompleteAnsweredTwiceBothEndsAgree) {
  Harness h;
  auto uc = Harness::ue_config();
  uc.timers.value[static_cast<std::size_t>(TimerId::kT4100)] = Millis{5000};
  h.make_with_pruk(std::move(uc));
  std::vector<Bytes> held;  // DSM Completes held back "in flight"
  h.filter = [&](Dir d, Bytes& p) {
    if (d == Dir::kToRelay && !peek_type(p)) {
      held.push_back(p);
      return false;
    }
    return true;
  };
  h.from_ue(h.ue->start(h.now).value());
  h.pump();
  ASSERT_EQ(held.size(), 1u);
  ASSERT_TRUE(h.fire_next_timer());  // the relay's T4111: the same DSMC again, the UE answers again
  ASSERT_EQ(held.size(), 2u);
  h.filter = nullptr;
  h.from_relay(h.relay->on_pdu(h.now, held[0]));
  EXPECT_EQ(h.relay->state(), RelayState::kEstablished);
  auto again = h.relay->on_pdu(h.now, held[1]);
  EXPECT_EQ(again.find<PduDropped>(), nullptr);
  ASSERT_NE(again.find<Retransmitted>(), nullptr);
  EXPECT_EQ(again.find<Retransmitted>()->what, "DIRECT_COMMUNICATION_ACCEPT");
  h.from_relay(std::move(again));
  h.pump();
  EXPECT_EQ(h.ue->state(), RemoteState::kEstablished);
  EXPECT_EQ(Harness::all<PduDropped>(h.ue_events).size(), 0u);  // the second DCA is not even a drop
  EXPECT_EQ(Harness::all<LinkSecured>(h.ue_events).size(), 1u);
  EXPECT_EQ(Harness::all<LinkSecured>(h.relay_events).size(), 1u);
  // The same held DSM Complete once more is a replay (its COUNT was seen) and gets no answer.
  auto replay = h.relay->on_pdu(h.now, held[1]);
  EXPECT_TRUE(replay.pdus.empty());
  ASSERT_NE(replay.find<PduDropped>(), nullptr);
  EXPECT_EQ(replay.find<PduDropped>()->reason, Errc::kReplay);
  EXPECT_TRUE(h.exchange_data());
}

// Issue 8 item 3: a PRUK that came by GBA Push in this link's setup is kept by the machine, so a later rekey with
// the Auth Flag (the PKMF derives a fresh KD from that PRUK, no new GPI) gives both sides the same new KD.
TEST(GpiPruk, AuthFlagRekeyUsesThePrukFromTheGpi) {
  Harness h;
  h.make(Harness::ue_config(), Harness::relay_config());  // no PRUK: IMSI, GBA Push
  ASSERT_TRUE(h.handshake());
  auto* np = Harness::last<NewPruk>(h.ue_events);
  ASSERT_NE(np, nullptr);
  const ids::PrukId gpi_id = np->pruk_id;
  const auto kd_id0 = *h.ue->kd_id();
  h.from_ue(h.ue->rekey(h.now, true).value());
  h.run_until([&] { return h.ue->state() == RemoteState::kEstablished && h.relay->kd_id() == h.ue->kd_id(); },
              Millis{5000});
  auto needs = Harness::all<NeedKd>(h.relay_events);
  ASSERT_EQ(needs.size(), 2u);
  EXPECT_TRUE(needs.back()->rekey);
  ASSERT_EQ(needs.back()->long_term_id.type, pc5::UserInfoType::kPrukId);
  EXPECT_EQ(needs.back()->long_term_id.pruk_id, gpi_id);  // the DRRq named the GPI's PRUK
  EXPECT_EQ(h.pkmf.requests, 2);
  EXPECT_EQ(Harness::all<NewPruk>(h.ue_events).size(), 1u);  // no second GBA Push
  EXPECT_EQ(Harness::all<PduDropped>(h.ue_events).size(), 0u);
  EXPECT_EQ(Harness::all<SetupFailed>(h.ue_events).size(), 0u);
  EXPECT_EQ(h.ue->state(), RemoteState::kEstablished);
  EXPECT_NE(*h.ue->kd_id(), kd_id0);
  EXPECT_EQ(h.ue->kd_id(), h.relay->kd_id());
  auto* sec = Harness::last<LinkSecured>(h.ue_events);
  ASSERT_NE(sec, nullptr);
  EXPECT_TRUE(sec->rekey);
  EXPECT_EQ(sec->pruk_id, gpi_id);
  EXPECT_TRUE(sec->pruk_from_gpi);
  EXPECT_TRUE(h.exchange_data());
  // And again: the held PRUK stays usable.
  h.from_ue(h.ue->rekey(h.now, true).value());
  h.pump();
  EXPECT_EQ(h.ue->kd_id(), h.relay->kd_id());
  EXPECT_TRUE(h.exchange_data());
}

TEST(Retransmission, JitterSpreadsTheRearmedDeadlines) {
  const TimePoint t0{};
  std::set<TimePoint::rep> rearmed;
  for (int i = 0; i < 40; ++i) {
    auto cfg = Harness::ue_config();
    cfg.timers.retransmit_jitter = Millis{200};
    auto ue = RemoteUe::create(std::move(cfg));
    ASSERT_TRUE(ue.ok()) << ue.error().to_string();
    auto start = (*ue)->start(t0);
    ASSERT_TRUE(start.ok());
    ASSERT_EQ(start->timers.size(), 1u);
    const TimePoint first = start->timers[0].deadline;
    EXPECT_EQ(first - t0, timer_spec(TimerId::kT4100).value) << "the first arm has no jitter";
    Output o = (*ue)->on_timer(first, TimerId::kT4100);
    ASSERT_EQ(o.count<Retransmitted>(), 1u);
    ASSERT_EQ(o.timers.size(), 1u);
    const auto wait = o.timers[0].deadline - first;
    EXPECT_GE(wait, timer_spec(TimerId::kT4100).value);
    EXPECT_LE(wait, timer_spec(TimerId::kT4100).value + Millis{200});
    rearmed.insert(o.timers[0].deadline.time_since_epoch().count());
  }
  EXPECT_GT(rearmed.size(), 5u) << "40 UEs with 200 ms of jitter do not retransmit in step";
}

}  // namespace
}  // namespace prose::link::test

// Whole handshakes between the Remote UE and Relay machines in memory, with a fake clock.
#include <gtest/gtest.h>

#include "harness.h"

namespace prose::link::test {
namespace {

using cipher::Eea;
using cipher::Eia;

AlgorithmPolicy only(Eea e, Eia i) {
  AlgorithmPolicy p;
  p.ciphering = {e};
  p.integrity = {i};
  p.allow_null_ciphering = e == Eea::kEea0;
  return p;
}

class EachAlgorithmPair : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(EachAlgorithmPair, HandshakeAgreesAndCarriesData) {
  const auto e = static_cast<Eea>(std::get<0>(GetParam()));
  const auto i = static_cast<Eia>(std::get<1>(GetParam()));
  Harness h;
  auto uc = Harness::ue_config();
  auto rc = Harness::relay_config();
  uc.policy = only(e, i);
  rc.policy = AlgorithmPolicy{};  // the relay supports everything but EEA0/EIA0 by default
  rc.policy.ciphering = {Eea::kEea2, Eea::kEea3, Eea::kEea1, Eea::kEea0};
  rc.policy.allow_null_ciphering = true;
  h.make_with_pruk(std::move(uc), std::move(rc));
  ASSERT_TRUE(h.handshake());
  EXPECT_EQ(h.ue->algorithms(), (AlgorithmPair{e, i}));
  EXPECT_EQ(h.relay->algorithms(), (AlgorithmPair{e, i}));
  EXPECT_EQ(h.ue->kd_sess_id(), h.relay->kd_sess_id());
  EXPECT_NE(*h.ue->kd_sess_id(), ids::kUnprotectedKdSessId);
  EXPECT_EQ(h.ue->kd_id(), h.relay->kd_id());
  // The KD the Remote UE derived is the one the PKMF gave the relay (what prose demo shows side by side).
  ASSERT_FALSE(h.pkmf.last_kd_fingerprint.empty());
  EXPECT_EQ(h.ue->kd_fingerprint(), h.pkmf.last_kd_fingerprint);
  auto* sec = Harness::last<LinkSecured>(h.ue_events);
  ASSERT_NE(sec, nullptr);
  EXPECT_EQ(sec->pruk_id, ids::PrukId{0x1122334455667788ull});
  EXPECT_FALSE(sec->pruk_from_gpi);
  ASSERT_NE(Harness::last<LinkSecured>(h.relay_events), nullptr);
  EXPECT_TRUE(h.exchange_data(1500));
  // The signalling sequence on the air: DCR, DSMC, DSM Complete, DCA.
  ASSERT_GE(h.sent_to_relay.size(), 2u);
  EXPECT_EQ(peek_type(h.sent_to_relay[0]), pc5::MessageType::kDirectCommunicationRequest);
  EXPECT_EQ(peek_type(h.sent_to_ue[0]), pc5::MessageType::kDirectSecurityModeCommand);
  EXPECT_EQ(peek_type(h.sent_to_relay[1]), std::nullopt);  // DSM Complete is ciphered
  // User data is ciphered unless EEA0 was chosen (then KD-sess ID 0 in the header).
  auto hdr = pdcp::decode_header(h.sent_to_ue.back()).value();
  EXPECT_EQ(hdr.kd_sess_id, e == Eea::kEea0 ? ids::kUnprotectedKdSessId : *h.ue->kd_sess_id());
}

INSTANTIATE_TEST_SUITE_P(Link, EachAlgorithmPair,
                         ::testing::Combine(::testing::Values(0, 1, 2, 3), ::testing::Values(1, 2, 3)));

TEST(Handshake, Eia0OnlyUeIsRejectedByTheRelay) {
  Harness h;
  h.make_with_pruk();
  // A UE advertising only EEA0/EIA0 (our RemoteUe refuses to be configured so; craft the DCR).
  pc5::DirectCommunicationRequest d;
  d.sequence_number = 7;
  d.user_info = pc5::UserInfo::from_imsi(kImsi);
  d.ue_security_capabilities = pc5::UeSecurityCapabilities{}.add_eea(0).add_eia(0);
  d.msb_of_kd_sess_id = 0x42;
  d.relay_service_code = ids::RelayServiceCode{0x123456};
  auto pdu = pdcp::encode_unprotected(pdcp::SduType::kPc5Signalling, 0, pc5::encode(d).value());
  auto out = h.relay->on_pdu(h.now, pdu);
  ASSERT_EQ(out.pdus.size(), 1u);
  auto rej = pc5::decode(pdcp::decode_unprotected(out.pdus[0]).value().sdu).value();
  ASSERT_TRUE(std::holds_alternative<pc5::DirectCommunicationReject>(rej));
  EXPECT_EQ(std::get<pc5::DirectCommunicationReject>(rej).cause, pc5::Cause::kUeSecurityCapabilitiesMismatch);
  EXPECT_EQ(h.relay->state(), RelayState::kFailed);
  EXPECT_EQ(out.find<NeedKd>(), nullptr);
}

TEST(Handshake, RemoteUeRefusesEia0InDsmcAndPolicyWithoutIntegrity) {
  AlgorithmPolicy p;
  p.integrity = {Eia::kEia0};
  auto uc = Harness::ue_config();
  uc.policy = p;
  EXPECT_FALSE(RemoteUe::create(std::move(uc)).ok());
  RelayConfig rc;
  rc.policy = p;
  EXPECT_FALSE(Relay::create(std::move(rc)).ok());

  Harness h;
  h.make_with_pruk();
  auto start = h.ue->start(h.now).value();
  auto dcr = std::get<pc5::DirectCommunicationRequest>(
      pc5::decode(pdcp::decode_unprotected(start.pdus.at(0)).value().sdu).value());
  // A forged DSMC choosing EIA0 (all-zero MAC-I) for the UE's MSB.
  pc5::DirectSecurityModeCommand c;
  c.sequence_number = 1;
  c.ue_security_capabilities = dcr.ue_security_capabilities;
  c.chosen_algorithms = {2, 0};
  c.lsb_of_kd_sess_id = 0x01;
  c.msb_of_kd_id = 0x0101;
  c.kd_freshness = ids::KdFreshness{};
  ByteWriter w;
  pdcp::encode_header(w, {pdcp::SduType::kPc5Signalling, 0, ids::KdSessId::from_halves(dcr.msb_of_kd_sess_id, 1), 0});
  w.bytes(pc5::encode(c).value());
  w.u32(0);
  auto out = h.ue->on_pdu(h.now, w.data());
  ASSERT_EQ(out.pdus.size(), 1u);
  auto rej = pc5::decode(pdcp::decode_unprotected(out.pdus[0]).value().sdu).value();
  ASSERT_TRUE(std::holds_alternative<pc5::DirectSecurityModeReject>(rej));
  EXPECT_EQ(std::get<pc5::DirectSecurityModeReject>(rej).cause, pc5::Cause::kUeSecurityCapabilitiesMismatch);
  EXPECT_EQ(h.ue->state(), RemoteState::kWaitDsmc);  // an unauthenticated DSMC cannot end the attempt
  EXPECT_EQ(out.find<LinkSecured>(), nullptr);
}

TEST(Handshake, WithGpiFromGbaPush) {
  Harness h;
  h.make(Harness::ue_config(), Harness::relay_config());  // no PRUK: DCR carries the IMSI
  ASSERT_TRUE(h.handshake());
  auto dcr = pc5::decode(pdcp::decode_unprotected(h.sent_to_relay[0]).value().sdu).value();
  EXPECT_EQ(std::get<pc5::DirectCommunicationRequest>(dcr).user_info.type, pc5::UserInfoType::kImsi);
  auto* np = Harness::last<NewPruk>(h.ue_events);
  ASSERT_NE(np, nullptr);
  ASSERT_TRUE(h.pkmf.last_issued);
  EXPECT_EQ(np->pruk_id, *h.pkmf.last_issued);
  EXPECT_TRUE(np->pruk == h.pkmf.pruks.at(np->pruk_id));  // the UE derived the PKMF's PRUK
  auto* sec = Harness::last<LinkSecured>(h.ue_events);
  ASSERT_NE(sec, nullptr);
  EXPECT_TRUE(sec->pruk_from_gpi);
  EXPECT_EQ(sec->pruk_id, np->pruk_id);
  EXPECT_TRUE(h.exchange_data());
}

TEST(Handshake, UnknownPrukIdFallsBackToImsi) {
  Harness h;
  auto uc = Harness::ue_config();
  uc.pruk_id = ids::PrukId{0xdeadbeefcafef00dull};  // not known to the PKMF
  uc.pruk = random_secret(32);
  h.make(std::move(uc), Harness::relay_config());
  h.from_ue(h.ue->start(h.now).value());
  h.pump();
  auto* rej = Harness::last<PrukIdRejected>(h.ue_events);
  ASSERT_NE(rej, nullptr);
  EXPECT_EQ(rej->pruk_id, ids::PrukId{0xdeadbeefcafef00dull});
  EXPECT_TRUE(h.ue->using_imsi());
  // The relay that rejected is done; a new relay machine for the retried DCR (as the agent would create).
  EXPECT_EQ(h.relay->state(), RelayState::kFailed);
  h.relay = Relay::create(Harness::relay_config()).value();
  h.run_until([&] { return h.ue->state() == RemoteState::kEstablished || h.ue->state() == RemoteState::kFailed; });
  ASSERT_EQ(h.ue->state(), RemoteState::kEstablished);
  ASSERT_NE(Harness::last<NewPruk>(h.ue_events), nullptr);
  EXPECT_TRUE(h.exchange_data());
}

TEST(Handshake, PkmfDenialRejectsWithCause1) {
  Harness h;
  h.make_with_pruk();
  h.pkmf.deny = true;
  EXPECT_FALSE(h.handshake());
  auto* f = Harness::last<SetupFailed>(h.ue_events);
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->from_peer);
  EXPECT_EQ(f->cause, pc5::Cause::kDirectCommunicationNotAllowed);
  EXPECT_EQ(h.ue->state(), RemoteState::kFailed);
}

TEST(Handshake, WrongRelayServiceCodeRejected) {
  Harness h;
  auto rc = Harness::relay_config();
  rc.relay_service_code = ids::RelayServiceCode{0x000001};
  h.make_with_pruk(Harness::ue_config(), std::move(rc));
  EXPECT_FALSE(h.handshake());
  auto* f = Harness::last<SetupFailed>(h.ue_events);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->cause, pc5::Cause::kDirectCommunicationNotAllowed);
  EXPECT_EQ(h.pkmf.requests, 0);
}

TEST(Handshake, DsmcWithBadMacIsRejectedAndNeverSecures) {
  Harness h;
  h.make_with_pruk();
  h.filter = [](Dir d, Bytes& p) {
    if (d == Dir::kToUe && peek_type(p) == pc5::MessageType::kDirectSecurityModeCommand) p.back() ^= 0x01;
    return true;
  };
  EXPECT_FALSE(h.handshake());
  EXPECT_EQ(Harness::last<LinkSecured>(h.ue_events), nullptr);
  // The UE answered DSM Reject #2; the relay gave up on that cause.
  auto* rf = Harness::last<SetupFailed>(h.relay_events);
  ASSERT_NE(rf, nullptr);
  EXPECT_TRUE(rf->from_peer);
  EXPECT_EQ(rf->cause, pc5::Cause::kAuthenticationFailure);
  auto* drop = Harness::last<PduDropped>(h.ue_events);
  ASSERT_NE(drop, nullptr);
  EXPECT_EQ(drop->reason, Errc::kAuthFailed);
  EXPECT_EQ(h.ue->state(), RemoteState::kFailed);  // T4100 ran out
}

TEST(Handshake, CapabilityBiddingDownIsDetected) {
  Harness h;
  h.make_with_pruk();
  // A man in the middle strips the UE's strong algorithms from the (unprotected) DCR.
  h.filter = [](Dir d, Bytes& p) {
    if (d != Dir::kToRelay || peek_type(p) != pc5::MessageType::kDirectCommunicationRequest) return true;
    auto m = pc5::decode(pdcp::decode_unprotected(p).value().sdu).value();
    auto& dcr = std::get<pc5::DirectCommunicationRequest>(m);
    dcr.ue_security_capabilities = pc5::UeSecurityCapabilities{}.add_eea(1).add_eia(1);
    p = pdcp::encode_unprotected(pdcp::SduType::kPc5Signalling, 0, pc5::encode(m).value());
    return true;
  };
  EXPECT_FALSE(h.handshake());
  auto* f = Harness::last<SetupFailed>(h.ue_events);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->cause, pc5::Cause::kUeSecurityCapabilitiesMismatch);
  EXPECT_FALSE(f->from_peer);
  auto* rf = Harness::last<SetupFailed>(h.relay_events);
  ASSERT_NE(rf, nullptr);
  EXPECT_EQ(rf->cause, pc5::Cause::kUeSecurityCapabilitiesMismatch);
  EXPECT_EQ(Harness::last<LinkSecured>(h.ue_events), nullptr);
}

TEST(Handshake, ReplayedDsmcIsDroppedAndChangesNothing) {
  Harness h;
  h.make_with_pruk();
  ASSERT_TRUE(h.handshake());
  const Bytes dsmc = h.sent_to_ue.at(0);
  ASSERT_EQ(peek_type(dsmc), pc5::MessageType::kDirectSecurityModeCommand);
  const auto id = h.ue->kd_sess_id();
  auto out = h.ue->on_pdu(h.now, dsmc);
  EXPECT_TRUE(out.pdus.empty());
  auto* d = out.find<PduDropped>();
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->reason, Errc::kReplay);
  EXPECT_EQ(h.ue->state(), RemoteState::kEstablished);
  EXPECT_EQ(h.ue->kd_sess_id(), id);
  EXPECT_TRUE(h.exchange_data());

  // The same DSMC replayed into a new attempt of the UE: another Nonce_1 / MSB, so it is never accepted.
  Harness h2;
  h2.make_with_pruk();
  h2.from_ue(h2.ue->start(h2.now).value());
  auto out2 = h2.ue->on_pdu(h2.now, dsmc);
  EXPECT_EQ(out2.find<LinkSecured>(), nullptr);
  EXPECT_EQ(h2.ue->state(), RemoteState::kWaitDsmc);
  // Replayed user data is dropped too.
  auto data_pdu = h.sent_to_ue.back();
  auto out3 = h.ue->on_pdu(h.now, data_pdu);
  ASSERT_NE(out3.find<PduDropped>(), nullptr);
  EXPECT_EQ(out3.find<PduDropped>()->reason, Errc::kReplay);
}

struct DropCase {
  Dir dir;
  int type;  // MessageType, or -1 = the n-th ciphered PDU in that direction
  int nth;
};

class LostMessage : public ::testing::TestWithParam<DropCase> {};

TEST_P(LostMessage, RecoveredByRetransmission) {
  const auto c = GetParam();
  Harness h;
  h.make_with_pruk();
  int seen = 0;
  bool dropped = false;
  h.filter = [&](Dir d, Bytes& p) {
    if (d != c.dir || dropped) return true;
    auto t = peek_type(p);
    const bool match = c.type >= 0 ? (t && static_cast<int>(*t) == c.type) : !t.has_value();
    if (match && seen++ == c.nth) {
      dropped = true;
      return false;
    }
    return true;
  };
  ASSERT_TRUE(h.handshake());
  EXPECT_TRUE(dropped);
  EXPECT_TRUE(h.exchange_data());
  EXPECT_EQ(h.pkmf.requests, 1);  // a retransmitted DCR does not cost a second KD request
}

INSTANTIATE_TEST_SUITE_P(
    Link, LostMessage,
    ::testing::Values(DropCase{Dir::kToRelay, static_cast<int>(pc5::MessageType::kDirectCommunicationRequest), 0},
                      DropCase{Dir::kToUe, static_cast<int>(pc5::MessageType::kDirectSecurityModeCommand), 0},
                      DropCase{Dir::kToRelay, -1, 0},  // DSM Complete
                      DropCase{Dir::kToUe, -1, 0}));   // DCA

TEST(Handshake, AllDcrsLostEndsInSetupFailure) {
  Harness h;
  h.make_with_pruk();
  h.filter = [](Dir d, Bytes&) { return d != Dir::kToRelay; };
  EXPECT_FALSE(h.handshake());
  auto* f = Harness::last<SetupFailed>(h.ue_events);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->cause, pc5::Cause::kLinkSetupFailureOtherErrors);
  // 1 + max retransmissions DCRs were sent.
  EXPECT_EQ(h.sent_to_relay.size(), 1u + TimerConfig{}.retries(TimerId::kT4100));
}

TEST(Handshake, RelayGivesUpAfterT4111Retransmissions) {
  Harness h;
  h.make_with_pruk();
  h.filter = [](Dir d, Bytes& p) {
    return !(d == Dir::kToUe && peek_type(p) == pc5::MessageType::kDirectSecurityModeCommand);
  };
  EXPECT_FALSE(h.handshake());
  h.run_until([&] { return h.relay->state() == RelayState::kFailed; });
  EXPECT_EQ(h.relay->state(), RelayState::kFailed);
  auto* f = Harness::last<SetupFailed>(h.relay_events);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->cause, pc5::Cause::kLinkSetupFailureOtherErrors);
}

TEST(Handshake, SqnFailureGivesDsmRejectWithRandAutsThenResync) {
  Harness h;
  h.make(Harness::ue_config(), Harness::relay_config());
  // The USIM has already accepted a much higher SQN than the HSS will use next.
  {
    auto av = crypto::make_auth_vector(h.sub.k, h.sub.opc, random_bytes(16), 0x20 * 50, hex_literal("8000")).value();
    ASSERT_TRUE(h.sub.usim->authenticate(av.rand, av.autn).value().accepted.has_value());
  }
  Bytes seen_rand, seen_auts;
  h.filter = [&](Dir d, Bytes& p) {
    if (d == Dir::kToRelay && peek_type(p) == pc5::MessageType::kDirectSecurityModeReject) {
      auto m = pc5::decode(pdcp::decode_unprotected(p).value().sdu).value();
      const auto& r = std::get<pc5::DirectSecurityModeReject>(m);
      EXPECT_EQ(r.cause, pc5::Cause::kAuthenticationSynchronisationError);
      if (r.rand && r.auts) {
        seen_rand.assign(r.rand->begin(), r.rand->end());
        seen_auts.assign(r.auts->begin(), r.auts->end());
      }
    }
    return true;
  };
  ASSERT_TRUE(h.handshake());
  EXPECT_EQ(seen_rand.size(), 16u);
  EXPECT_EQ(seen_auts.size(), 14u);
  EXPECT_EQ(h.pkmf.resyncs, 1);
  EXPECT_EQ(h.pkmf.requests, 2);
  EXPECT_EQ(Harness::all<NewPruk>(h.ue_events).size(), 1u);  // only the GPI after resync produced a PRUK
  EXPECT_TRUE(h.exchange_data());
}

}  // namespace
}  // namespace prose::link::test

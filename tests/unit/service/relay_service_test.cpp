#include "prose/service/relay_service.h"

#include <gtest/gtest.h>

#include <deque>

#include "actions.h"
#include "fake_pkmf.h"
#include "prose/link/gba_gpi_processor.h"
#include "prose/link/remote_ue.h"
#include "prose/pc5/codec.h"
#include "prose/pc8/error_codes.h"
#include "prose/pdcp/pdcp.h"
#include "prose/service/pc8_causes.h"

namespace prose::service {
namespace {

using test::FakePkmf;
using test::Subscriber;

constexpr std::uint32_t kRelayL2 = 0x00aa01;
constexpr std::uint32_t kUeL2 = 0x00ee01;
constexpr std::uint32_t kRsc = 0x00abcd;
constexpr std::uint64_t kPrukId = 0x1122334455667788ull;

using test::all;
using test::has_message;

// A Remote UE link machine on one side, the relay service on the other, the fake PKMF answering the service's PC8
// requests (at once, or held back when `hold` is set). Upstream sockets open unless `upstream_fails`.
struct Bed {
  link::TimePoint now{link::Millis{5'000'000}};
  Subscriber sub;
  FakePkmf pkmf;
  RelayService relay;
  std::unique_ptr<link::RemoteUe> ue;
  std::vector<link::Event> ue_events;
  RelayActions log;  // every action of the service, in order
  std::deque<Bytes> to_ue;
  bool hold = false;
  std::vector<RequestKd> held;
  bool upstream_fails = false;
  std::vector<Bytes> upstream;

  explicit Bed(RelayServiceConfig c = {"relay", kRelayL2, kRsc, 7000, true}) : relay(std::move(c)) { pkmf.sub = &sub; }
  void make_ue(bool with_pruk) {
    link::RemoteUeConfig c;
    c.imsi = test::kImsi;
    c.relay_service_code = ids::RelayServiceCode{kRsc};
    if (with_pruk) {
      SecretBytes pruk = random_secret(32);
      pkmf.pruks[kPrukId] = pruk.clone();
      c.pruk_id = ids::PrukId{kPrukId};
      c.pruk = std::move(pruk);
    }
    c.gpi_processor = link::make_gba_gpi_processor(sub.usim, test::kImpi, pkmf.naf_id());
    ue = link::RemoteUe::create(std::move(c)).value();
  }

  void run(RelayActions as) {
    for (auto& a : as) {
      act(a);
      log.push_back(std::move(a));
    }
  }
  void act(RelayAction& a) {
    if (auto* t = std::get_if<Transmit>(&a)) {
      EXPECT_EQ(t->dst, kUeL2);
      to_ue.push_back(t->pdu);
    } else if (auto* o = std::get_if<OpenUpstream>(&a)) {
      run(upstream_fails ? relay.upstream_failed(now, o->l2, "out of file descriptors")
                         : relay.upstream_opened(now, o->l2));
    } else if (auto* s = std::get_if<SendUpstream>(&a)) {
      upstream.push_back(s->data);
    } else if (auto* r = std::get_if<RequestKd>(&a)) {
      if (hold)
        held.push_back(*r);
      else
        run(relay.on_kd_response(now, r->request, pkmf.answer(r->pc8)));
    }
  }
  void from_ue(link::Output o) {
    for (auto& p : o.pdus) run(relay.on_frame(now, kUeL2, kRelayL2, p));
    for (auto& e : o.events) ue_events.push_back(std::move(e));
  }
  // Delivers the relay's PDUs to the UE and the UE's answers back until nothing moves.
  void pump() {
    while (!to_ue.empty()) {
      Bytes p = std::move(to_ue.front());
      to_ue.pop_front();
      from_ue(ue->on_pdu(now, p));
    }
  }
  void start() {
    from_ue(ue->start(now).value());
    pump();
  }
  template <typename E>
  const E* ue_event() const {
    for (const auto& e : ue_events)
      if (const auto* p = std::get_if<E>(&e)) return p;
    return nullptr;
  }
};

TEST(RelayService, SetupWithPrukIdThenDataBothWays) {
  Bed b;
  b.make_ue(true);
  b.start();
  ASSERT_EQ(b.ue->state(), link::RemoteState::kEstablished);
  EXPECT_EQ(b.relay.machine(kUeL2)->state(), link::RelayState::kEstablished);
  ASSERT_TRUE(b.pkmf.last);
  EXPECT_EQ(std::get<ids::PrukId>(b.pkmf.last->remote_ue).value, kPrukId);
  EXPECT_EQ(b.pkmf.last->relay_service_code.value, kRsc);
  ASSERT_TRUE(b.pkmf.last->nonce_1);
  EXPECT_FALSE(b.pkmf.last->resync);
  EXPECT_EQ(all<OpenUpstream>(b.log).size(), 1u);
  EXPECT_TRUE(has_message(b.log, "(Direct Communication Request received: PRUK ID 1122334455667788)"));
  EXPECT_TRUE(has_message(b.log, "PC8 Key Request (PRUK ID 1122334455667788, RSC 0x00abcd)"));
  EXPECT_TRUE(has_message(b.log, "Direct Communication Accept"));
  ASSERT_EQ(all<ExportLinkKeys>(b.log).size(), 1u);
  EXPECT_EQ(all<ExportLinkKeys>(b.log)[0]->keys.remote_ue_l2, ids::Layer2Id{kUeL2});

  b.from_ue(b.ue->send_data(b.now, Bytes{1, 2, 3}).value());
  ASSERT_EQ(b.upstream.size(), 1u);
  EXPECT_EQ(b.upstream[0], (Bytes{1, 2, 3}));
  EXPECT_EQ(b.relay.bytes_up(), 3u);
  b.run(b.relay.on_upstream(b.now, kUeL2, Bytes{9, 9}));
  b.pump();
  auto* d = b.ue_event<link::DataReceived>();
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->data, (Bytes{9, 9}));
  EXPECT_EQ(b.relay.bytes_down(), 2u);
  EXPECT_TRUE(has_message(b.log, "user data of ue@0x00ee01 (3 octets) to 127.0.0.1:7000"));
  EXPECT_TRUE(has_message(b.log, "user data from upstream (2 octets, protected)"));
}

// [log] user_data = false (prose relay-load): the data still flows both ways, with no trace line per datagram.
TEST(RelayService, UserDataWithoutATraceLinePerDatagram) {
  RelayServiceConfig c{"relay", kRelayL2, kRsc, 7000, false};
  c.trace_user_data = false;
  Bed b(c);
  b.make_ue(true);
  b.start();
  ASSERT_EQ(b.ue->state(), link::RemoteState::kEstablished);
  const std::size_t traced = all<TraceMessage>(b.log).size();
  b.from_ue(b.ue->send_data(b.now, Bytes{1, 2, 3}).value());
  b.run(b.relay.on_upstream(b.now, kUeL2, Bytes{9, 9}));
  b.pump();
  ASSERT_EQ(b.upstream.size(), 1u);
  ASSERT_NE(b.ue_event<link::DataReceived>(), nullptr);
  EXPECT_EQ(all<TraceMessage>(b.log).size(), traced);
}

// [relay] ciphering: the relay's preference decides the link's EEA (the Remote UE offers EEA1, 2 and 3).
TEST(RelayService, CipheringPreferenceChoosesTheLinksEea) {
  for (cipher::Eea eea : {cipher::Eea::kEea1, cipher::Eea::kEea2, cipher::Eea::kEea3}) {
    RelayServiceConfig c{"relay", kRelayL2, kRsc, 7000, false};
    c.ciphering = {eea, cipher::Eea::kEea2};
    Bed b(c);
    b.make_ue(true);
    b.start();
    ASSERT_EQ(b.ue->state(), link::RemoteState::kEstablished);
    ASSERT_TRUE(b.ue->algorithms());
    EXPECT_EQ(b.ue->algorithms()->eea, eea);
    EXPECT_EQ(b.relay.machine(kUeL2)->algorithms()->eea, eea);
    b.from_ue(b.ue->send_data(b.now, Bytes{1, 2, 3}).value());
    ASSERT_EQ(b.upstream.size(), 1u);
    EXPECT_EQ(b.upstream[0], (Bytes{1, 2, 3}));
  }
}

TEST(RelayService, ImsiGetsGbaPushAndTheUeLearnsItsPruk) {
  Bed b;
  b.make_ue(false);
  b.start();
  ASSERT_EQ(b.ue->state(), link::RemoteState::kEstablished);
  EXPECT_EQ(std::get<pc8::Imsi>(b.pkmf.last->remote_ue).digits, test::kImsi);
  EXPECT_NE(b.ue_event<link::NewPruk>(), nullptr);
  EXPECT_TRUE(has_message(b.log, "PC8 Key Response (KD "));
}

TEST(Pc8Causes, EveryPc8ErrorCodeHasExactlyOneRowInCodeOrder) {
  auto codes = pc8::error_code_table();
  auto rows = pc8_error_cause_table();
  ASSERT_EQ(rows.size(), codes.size());
  for (std::size_t i = 0; i < codes.size(); ++i) EXPECT_EQ(rows[i].code, codes[i].code) << i;
  EXPECT_EQ(pc5_cause_for(pc8::ErrorCode::kUnknownPrukId), pc5::Cause::kAuthenticationFailure);
  EXPECT_EQ(pc5_cause_for(pc8::ErrorCode::kUnknownImsi), pc5::Cause::kAuthenticationFailure);
  EXPECT_EQ(pc5_cause_for(pc8::ErrorCode::kRelayNotAuthorised), pc5::Cause::kDirectCommunicationNotAllowed);
  EXPECT_EQ(pc5_cause_for(pc8::ErrorCode::kRelayNotAuthorisedForUe), pc5::Cause::kDirectCommunicationNotAllowed);
  EXPECT_EQ(pc5_cause_for(pc8::ErrorCode::kUeNotAuthorised), pc5::Cause::kDirectCommunicationNotAllowed);
  EXPECT_EQ(pc5_cause_for(pc8::ErrorCode::kUnknownRelayServiceCode), pc5::Cause::kDirectCommunicationNotAllowed);
  EXPECT_EQ(pc5_cause_for(pc8::ErrorCode::kTemporarilyUnavailable), pc5::Cause::kLinkSetupFailureOtherErrors);
  EXPECT_EQ(pc5_cause_for(pc8::ErrorCode::kInternalError), pc5::Cause::kLinkSetupFailureOtherErrors);
}

// Every PC8 error code the PKMF can answer reaches the Remote UE as the Direct Communication Reject of the table.
TEST(RelayService, EveryPc8ErrorCodeRejectsWithItsPc5Cause) {
  for (const auto& info : pc8::error_code_table()) {
    SCOPED_TRACE(std::string(info.name));
    Bed b;
    b.make_ue(true);
    b.pkmf.refuse = info.code;
    b.start();
    const pc5::Cause want = pc5_cause_for(info.code);
    EXPECT_TRUE(has_message(b.log, "PC8 Key Response (error " + std::string(info.name) + ")"));
    EXPECT_TRUE(
        has_message(b.log, "Direct Communication Reject (cause #" + std::to_string(static_cast<int>(want)) + ")"));
    auto* f = b.ue_event<link::SetupFailed>();
    if (want == pc5::Cause::kAuthenticationFailure) {
      // The UE falls back to its IMSI on #2 after a PRUK ID: it reports the PRUK ID as rejected.
      EXPECT_NE(b.ue_event<link::PrukIdRejected>(), nullptr);
    } else {
      ASSERT_NE(f, nullptr);
      EXPECT_EQ(f->cause, want);
      EXPECT_TRUE(f->from_peer);
    }
    EXPECT_EQ(b.relay.machine(kUeL2)->state(), link::RelayState::kFailed);
  }
}

TEST(RelayService, NoPc8AnswerOrAnotherResponseType) {
  {
    Bed b;
    b.make_ue(true);
    b.hold = true;
    b.start();
    ASSERT_EQ(b.held.size(), 1u);
    b.run(b.relay.on_kd_response(b.now, b.held[0].request, fail(Errc::kIo, "PKMF unreachable")));
    b.pump();
    EXPECT_TRUE(has_message(b.log, "Direct Communication Reject (cause #6)"));
    ASSERT_FALSE(all<TraceEvent>(b.log).empty());
    EXPECT_EQ(all<TraceEvent>(b.log).front()->name, "error");
    ASSERT_NE(b.ue_event<link::SetupFailed>(), nullptr);
    EXPECT_EQ(b.ue_event<link::SetupFailed>()->cause, kCauseWhenPkmfFailed);
  }
  {
    Bed b;
    b.make_ue(true);
    b.hold = true;
    b.start();
    ASSERT_EQ(b.held.size(), 1u);
    b.run(b.relay.on_kd_response(b.now, b.held[0].request, pc8::Response(pc8::DiscoveryKeyResponse{})));
    b.pump();
    EXPECT_TRUE(has_message(b.log, "Direct Communication Reject (cause #8)"));
  }
}

TEST(RelayService, StaleAndUnknownWorkerRepliesAreDropped) {
  Bed b;
  b.make_ue(true);
  b.hold = true;
  b.start();
  ASSERT_EQ(b.held.size(), 1u);
  const RequestKd first = b.held[0];
  EXPECT_TRUE(b.relay.on_kd_response(b.now, first.request + 100, b.pkmf.answer(first.pc8)).empty());
  EXPECT_TRUE(b.relay.on_kd_response(b.now, 0, b.pkmf.answer(first.pc8)).empty());
  // The first request fails, the link ends and is swept; the UE tries again with a new DCR and a new request.
  b.run(b.relay.on_kd_response(b.now, first.request, fail(Errc::kIo, "down")));
  b.pump();
  b.run(b.relay.sweep());
  EXPECT_EQ(all<CloseUpstream>(b.log).size(), 1u);
  EXPECT_EQ(b.relay.links(), 0u);
  b.held.clear();
  b.ue_events.clear();
  b.make_ue(true);
  b.start();
  ASSERT_EQ(b.held.size(), 1u);
  EXPECT_NE(b.held[0].request, first.request);
  // A late answer to the first request is not taken for the second.
  EXPECT_TRUE(b.relay.on_kd_response(b.now, first.request, b.pkmf.answer(first.pc8)).empty());
  EXPECT_EQ(b.relay.machine(kUeL2)->state(), link::RelayState::kWaitKd);
  b.hold = false;
  b.run(b.relay.on_kd_response(b.now, b.held[0].request, b.pkmf.answer(b.held[0].pc8)));
  b.pump();
  EXPECT_EQ(b.ue->state(), link::RemoteState::kEstablished);
  // Answered once: a second answer to the same request does nothing.
  EXPECT_TRUE(b.relay.on_kd_response(b.now, b.held[0].request, b.pkmf.answer(b.held[0].pc8)).empty());
}

TEST(RelayService, SqnFailureSendsRandAndAutsToThePkmfThenResynchronises) {
  Bed b;
  b.make_ue(false);
  // The USIM has already accepted a much higher SQN than the HSS will use next.
  auto av = crypto::make_auth_vector(b.sub.k, b.sub.opc, random_bytes(16), 0x20 * 50, hex_literal("8000")).value();
  ASSERT_TRUE(b.sub.usim.authenticate(av.rand, av.autn).value().accepted.has_value());
  b.start();
  ASSERT_EQ(b.ue->state(), link::RemoteState::kEstablished);
  EXPECT_EQ(b.pkmf.requests, 2);
  EXPECT_EQ(b.pkmf.resyncs, 1);
  ASSERT_TRUE(b.pkmf.last->resync);
  EXPECT_EQ(b.pkmf.last->resync->auts.view().size(), 14u);
  EXPECT_TRUE(has_message(b.log, "PC8 Key Request (IMSI 001010123456789, resynchronisation, RSC 0x00abcd)"));
  EXPECT_EQ(all<OpenUpstream>(b.log).size(), 1u) << "the link keeps its upstream socket";
}

TEST(RelayService, NoUpstreamSocketRejectsWithLackOfResources) {
  Bed b;
  b.make_ue(true);
  b.upstream_fails = true;
  b.start();
  EXPECT_EQ(b.pkmf.requests, 0) << "no PKMF request for a link that cannot be served";
  EXPECT_TRUE(has_message(b.log, "(Direct Communication Request received)"));
  EXPECT_TRUE(has_message(b.log, "Direct Communication Reject (cause #4)"));
  bool logged = false;
  for (const auto* e : all<TraceEvent>(b.log))
    if (e->name == "failed") logged = e->text.find("no upstream socket") != std::string::npos;
  EXPECT_TRUE(logged);
  ASSERT_NE(b.ue_event<link::SetupFailed>(), nullptr);
  EXPECT_EQ(b.ue_event<link::SetupFailed>()->cause, pc5::Cause::kLackOfResources);
  b.run(b.relay.sweep());
  EXPECT_TRUE(all<CloseUpstream>(b.log).empty()) << "nothing was opened";
  EXPECT_EQ(b.relay.links(), 0u);
}

TEST(RelayService, FramesForOtherL2IdsAreIgnoredAndTimersComeDue) {
  Bed b;
  b.make_ue(true);
  auto o = b.ue->start(b.now).value();
  EXPECT_TRUE(b.relay.on_frame(b.now, kUeL2, kRelayL2 + 1, o.pdus[0]).empty());
  EXPECT_EQ(b.relay.links(), 0u);
  EXPECT_FALSE(b.relay.next_deadline());
  b.make_ue(true);
  b.start();
  ASSERT_EQ(b.ue->state(), link::RemoteState::kEstablished);
  auto t = b.relay.next_deadline();
  ASSERT_TRUE(t) << "T4108 (inactivity) runs on an established link";
  EXPECT_TRUE(b.relay.on_time(*t - link::Millis{1}).empty());
  b.now = *t;
  b.run(b.relay.on_time(b.now));
  EXPECT_FALSE(all<Transmit>(b.log).empty());
}

}  // namespace
}  // namespace prose::service

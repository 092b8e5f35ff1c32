#include "prose/service/remote_ue_service.h"

#include <gtest/gtest.h>

#include <deque>

#include "actions.h"
#include "fake_pkmf.h"
#include "linked_bed.h"
#include "prose/mikey/delivery.h"
#include "prose/service/relay_service.h"

namespace prose::service {
namespace {

using test::FakePkmf;
using test::Subscriber;

using test::kRelayL2;
using test::kRsc;
using test::kUeL2;
constexpr std::uint16_t kMikeyPort = 40000;
constexpr std::uint16_t kPkmfPort = 2269;
constexpr std::uint64_t kPmkId = 0x0102030405060708ull;
constexpr std::uint32_t kKeyTypeId = 0x11223344;
const mikey::NtpTime kNtp = mikey::ntp_from_unix(1'800'000'000);

using test::all;
using test::has_event;
using test::has_message;

// A Remote UE service and a relay service joined in memory, the fake PKMF behind the relay (and answering the
// UE's PRUK Key Requests with a PMK), MIKEY deliveries built as the PKMF builds them.
struct Bed {
  link::TimePoint now{link::Millis{9'000'000}};
  Subscriber sub;
  FakePkmf pkmf;
  SecretBytes pmk = random_secret(32);
  RelayService relay{RelayServiceConfig{"relay", kRelayL2, kRsc, 7000, false}};
  std::unique_ptr<RemoteUeService> ue;
  RemoteUeActions log;
  int saves = 0;
  std::vector<Bytes> to_relay, to_ue, app;
  bool relay_silent = false;  // frames to the relay are lost

  explicit Bed(KeyStore store = {}, std::uint32_t rekey_every = 0) {
    pkmf.sub = &sub;
    RemoteUeServiceConfig c = test::ue_config(sub);
    c.name = "ue";
    c.rekey_every = rekey_every;
    ue = RemoteUeService::create(std::move(c), std::move(store)).value();
  }

  void run(RemoteUeActions as) {
    for (auto& a : as) {
      if (auto* t = std::get_if<Transmit>(&a)) {
        EXPECT_EQ(t->dst, kRelayL2);
        if (!relay_silent) to_relay.push_back(t->pdu);
      } else if (std::holds_alternative<SaveKeyStore>(a)) {
        ++saves;
      } else if (auto* d = std::get_if<DeliverToApp>(&a)) {
        app.push_back(d->data);
      }
      log.push_back(std::move(a));
    }
  }
  void run_relay(RelayActions as) {
    for (auto& a : as) {
      if (auto* t = std::get_if<Transmit>(&a)) {
        to_ue.push_back(t->pdu);
      } else if (auto* o = std::get_if<OpenUpstream>(&a)) {
        run_relay(relay.upstream_opened(now, o->l2));
      } else if (auto* r = std::get_if<RequestKd>(&a)) {
        run_relay(relay.on_kd_response(now, r->request, pkmf.answer(r->pc8)));
      }
    }
  }
  void pump() { test::pump(*this); }
  bool connect() { return test::connect(*this); }
  // Fires the UE's timers until the attempt ends.
  void run_timers() {
    while (!ue->link_done()) {
      auto t = ue->next_deadline();
      if (!t) return;
      now = std::max(now, *t);
      run(ue->on_time(now));
      pump();
    }
  }

  pc8::Response grant(const pc8::Request& req) {
    const auto& r = std::get<pc8::PrukRequest>(req);
    pc8::PrukGrant g;
    g.key_type_id.value = kKeyTypeId;
    g.pmk = pc8::PmkGrant{pc8::PmkId{kPmkId}, pmk.clone()};
    return pc8::PrukResponse{r.transaction_id, std::move(g), {}};
  }
  Status provisioned() {
    RemoteUeActions out;
    auto req = ue->key_request(out, pc8::PrukDelivery::kStart, kMikeyPort);
    Status st = ue->on_key_response(out, pc8::PrukDelivery::kStart, grant(req));
    run(std::move(out));
    return st;
  }
  Bytes delivery(std::uint64_t pruk_id, const SecretBytes& pruk, bool verify) {
    mikey::DeliveryParams p;
    p.pmk = pmk.clone();
    p.pmk_id = hex_literal("0102030405060708");
    p.key_type_id = hex_literal("11223344");
    p.key_id = pruk_id;
    p.key = pruk.clone();
    p.pkmf_fqdn = test::kPkmfFqdn;
    p.ue_id = std::string(test::kImsi) + "@ue";
    p.verify = verify;
    return mikey::build_delivery(p, mikey::Profile{}, kNtp).value().message;
  }
};

TEST(RemoteUeService, KeyRequestCarriesTheMikeyAddressAndThePrukIdsHeld) {
  KeyStore store;
  store.add_mikey_pruk(test::kPkmfFqdn, 0x77, random_secret(32));
  Bed b(std::move(store));
  RemoteUeActions out;
  auto req = b.ue->key_request(out, pc8::PrukDelivery::kStart, kMikeyPort);
  const auto& r = std::get<pc8::PrukRequest>(req);
  EXPECT_EQ(r.delivery, pc8::PrukDelivery::kStart);
  ASSERT_TRUE(r.ue_address);
  EXPECT_EQ(r.ue_address->port, kMikeyPort);
  ASSERT_EQ(r.held_pruk_ids.size(), 1u);
  EXPECT_EQ(r.held_pruk_ids[0].value, 0x77u);
  EXPECT_TRUE(has_message(out, "PC8 Key Request (PRUK delivery start, UE address 127.0.0.1:40000, 1 PRUK IDs held)"));
  ASSERT_TRUE(b.ue->on_key_response(out, pc8::PrukDelivery::kStart, b.grant(req)).ok());
  EXPECT_TRUE(b.ue->delivery_on());
  EXPECT_EQ(all<SaveKeyStore>(out).size(), 1u);
  const auto* ks = b.ue->store().keys(test::kPkmfFqdn);
  ASSERT_NE(ks, nullptr);
  EXPECT_EQ(ks->pmk_id, kPmkId);
  EXPECT_EQ(ks->key_type_id, kKeyTypeId);
}

TEST(RemoteUeService, KeyResponseFailures) {
  Bed b;
  RemoteUeActions out;
  auto req = b.ue->key_request(out, pc8::PrukDelivery::kStart, kMikeyPort);
  const auto tid = std::get<pc8::PrukRequest>(req).transaction_id;
  EXPECT_EQ(b.ue->on_key_response(out, pc8::PrukDelivery::kStart, fail(Errc::kIo, "down")).error().code, Errc::kIo);
  auto refused = b.ue->on_key_response(out, pc8::PrukDelivery::kStart,
                                       pc8::Response(pc8::PrukResponse{tid, pc8::ErrorCode::kUeNotAuthorised, {}}));
  EXPECT_EQ(refused.error().code, Errc::kDenied);
  EXPECT_NE(refused.error().message.find("ue-not-authorised"), std::string::npos) << refused.error().message;
  EXPECT_EQ(b.ue->on_key_response(out, pc8::PrukDelivery::kStart, pc8::Response(pc8::KdResponse{})).error().code,
            Errc::kMalformed);
  EXPECT_FALSE(b.ue->delivery_on());
  EXPECT_TRUE(all<SaveKeyStore>(out).empty());
  // Stop: acknowledged, delivery off.
  ASSERT_TRUE(b.provisioned().ok());
  EXPECT_TRUE(b.ue->delivery_on());
  EXPECT_EQ(b.ue->on_key_response(out, pc8::PrukDelivery::kStop, b.grant(req)).error().code, Errc::kMalformed);
  ASSERT_TRUE(b.ue->on_key_response(out, pc8::PrukDelivery::kStop,
                                    pc8::Response(pc8::PrukResponse{tid, pc8::PrukStopAck{}, {}}))
                  .ok());
  EXPECT_FALSE(b.ue->delivery_on());
}

TEST(RemoteUeService, MikeyDeliveryStoresThePrukAndAnswersVerificationAgainWhenRetransmitted) {
  Bed b;
  const SecretBytes pruk = random_secret(32);
  const Bytes msg = b.delivery(0x4242, pruk, true);
  // Before any Key Response there is no PMK: ignored.
  auto early = b.ue->on_mikey(b.now, msg, kPkmfPort, kMikeyPort, kNtp);
  EXPECT_TRUE(has_event(early, "error"));
  EXPECT_EQ(b.ue->store().current(test::kPkmfFqdn), nullptr);

  ASSERT_TRUE(b.provisioned().ok());
  auto out = b.ue->on_mikey(b.now, msg, kPkmfPort, kMikeyPort, kNtp);
  auto sends = all<SendMikey>(out);
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_EQ(sends[0]->port, kPkmfPort);
  EXPECT_EQ(all<SaveKeyStore>(out).size(), 1u);
  const auto* cur = b.ue->store().current(test::kPkmfFqdn);
  ASSERT_NE(cur, nullptr);
  EXPECT_EQ(cur->pruk_id, 0x4242u);
  EXPECT_EQ(cur->pruk.fingerprint(), pruk.fingerprint());
  // The same I_MESSAGE again (our R_MESSAGE got lost): the same R_MESSAGE again, nothing stored twice.
  auto again = b.ue->on_mikey(b.now, msg, kPkmfPort + 1, kMikeyPort, kNtp);
  auto resent = all<SendMikey>(again);
  ASSERT_EQ(resent.size(), 1u);
  EXPECT_EQ(resent[0]->message, sends[0]->message);
  EXPECT_EQ(resent[0]->port, kPkmfPort + 1);
  EXPECT_TRUE(all<SaveKeyStore>(again).empty());
  // A forged one is rejected.
  Bytes forged = b.delivery(0x4343, pruk, false);
  forged.back() ^= 1;
  auto bad = b.ue->on_mikey(b.now, forged, kPkmfPort, kMikeyPort, kNtp);
  EXPECT_TRUE(has_event(bad, "error"));
  EXPECT_EQ(b.ue->store().current(test::kPkmfFqdn)->pruk_id, 0x4242u);
}

TEST(RemoteUeService, ZeroPrukIdTriggersAKeyRequestAndStoresNothing) {
  Bed b;
  ASSERT_TRUE(b.provisioned().ok());
  auto out = b.ue->on_mikey(b.now, b.delivery(0, random_secret(32), false), kPkmfPort, kMikeyPort, kNtp);
  EXPECT_TRUE(has_event(out, "trigger"));
  EXPECT_TRUE(all<SaveKeyStore>(out).empty());
  EXPECT_EQ(b.ue->store().current(test::kPkmfFqdn), nullptr);
  ASSERT_TRUE(b.ue->key_request_due());
  EXPECT_EQ(*b.ue->key_request_due(), b.now);
  // The PKMF cannot be reached: again in a second; refused: given up.
  auto retry = b.ue->key_request_done(b.now, fail(Errc::kIo, "PKMF unreachable"));
  EXPECT_TRUE(has_event(retry, "error"));
  EXPECT_EQ(*b.ue->key_request_due(), b.now + link::Millis(1000));
  (void)b.ue->key_request_done(b.now, fail(Errc::kDenied, "refused"));
  EXPECT_FALSE(b.ue->key_request_due());
  b.ue->schedule_key_request(b.now);
  (void)b.ue->key_request_done(b.now, Status{});
  EXPECT_FALSE(b.ue->key_request_due());
}

TEST(RemoteUeService, AMikeyPrukReplacesEveryEarlierPruk) {
  Bed b;
  ASSERT_TRUE(b.provisioned().ok());
  (void)b.ue->on_mikey(b.now, b.delivery(0x1, random_secret(32), false), kPkmfPort, kMikeyPort, kNtp);
  (void)b.ue->on_mikey(b.now, b.delivery(0x2, random_secret(32), false), kPkmfPort, kMikeyPort, kNtp + (1ull << 32));
  const auto* ks = b.ue->store().keys(test::kPkmfFqdn);
  ASSERT_EQ(ks->pruks.size(), 1u);
  EXPECT_EQ(ks->pruks[0].pruk_id, 0x2u);
}

TEST(RemoteUeService, SetupWithThePrukMarksItUsedAndCarriesDataBothWays) {
  Bed b;
  ASSERT_TRUE(b.provisioned().ok());
  SecretBytes pruk = random_secret(32);
  b.pkmf.pruks[0x5555] = pruk.clone();
  (void)b.ue->on_mikey(b.now, b.delivery(0x5555, pruk, false), kPkmfPort, kMikeyPort, kNtp);
  ASSERT_TRUE(b.connect());
  EXPECT_TRUE(has_message(b.log, "Direct Communication Request (PRUK ID 0000000000005555, RSC 0x00abcd)"));
  EXPECT_TRUE(has_event(b.log, "ready"));
  EXPECT_TRUE(b.ue->store().current(test::kPkmfFqdn)->used);
  b.run(b.ue->send_data(b.now, Bytes{1, 2, 3}));
  b.pump();
  EXPECT_EQ(b.ue->bytes_up(), 3u);
  EXPECT_EQ(b.relay.bytes_up(), 3u);
  b.run_relay(b.relay.on_upstream(b.now, kUeL2, Bytes{7}));
  b.pump();
  ASSERT_EQ(b.app.size(), 1u);
  EXPECT_EQ(b.app[0], Bytes{7});
  EXPECT_FALSE(b.ue->try_again(1)) << "a link that was secured is not set up again";
}

// The PKMF does not know the UE's PRUK ID: the relay rejects with #2, the UE falls back to its IMSI (and keeps
// doing so), GBA Push gives it a PRUK, and once that PRUK secured the link the PRUK received before it is gone.
TEST(RemoteUeService, UnknownPrukIdFallsBackToTheImsiAndTheGbaPrukReplacesTheOldOne) {
  KeyStore store;
  store.add_mikey_pruk(test::kPkmfFqdn, 0x9999, random_secret(32));
  Bed b(std::move(store));
  ASSERT_TRUE(b.connect());
  EXPECT_TRUE(b.ue->pruk_id_rejected());
  EXPECT_TRUE(has_event(b.log, "info"));  // "relay did not recognise PRUK ID ...: using the IMSI"
  EXPECT_EQ(std::get<pc8::Imsi>(b.pkmf.last->remote_ue).digits, test::kImsi);
  const auto* ks = b.ue->store().keys(test::kPkmfFqdn);
  ASSERT_EQ(ks->pruks.size(), 1u) << "the MIKEY PRUK received before the used GBA Push PRUK is deleted";
  EXPECT_NE(ks->pruks[0].pruk_id, 0x9999u);
  EXPECT_EQ(ks->pruks[0].source, PrukSource::kGbaPush);
  EXPECT_TRUE(ks->pruks[0].used);
  EXPECT_GE(b.saves, 2);
  // A later link to the relay uses the IMSI again.
  b.run(b.ue->release(b.now));
  b.pump();
  ASSERT_TRUE(b.ue->link_done());
  ASSERT_TRUE(b.connect());
  EXPECT_TRUE(std::holds_alternative<pc8::Imsi>(b.pkmf.last->remote_ue));
}

TEST(RemoteUeService, ARejectFromTheRelayIsFinalALocalFailureIsTriedAgain) {
  {
    Bed b;
    b.pkmf.refuse = pc8::ErrorCode::kUeNotAuthorised;
    EXPECT_FALSE(b.connect());
    EXPECT_TRUE(b.ue->link_done());
    EXPECT_NE(b.ue->failure().find("PC5 cause #1 from the relay"), std::string::npos) << b.ue->failure();
    EXPECT_FALSE(b.ue->try_again(1));
  }
  {
    Bed b;
    b.relay_silent = true;  // the relay never hears the UE: T4100 runs out
    EXPECT_FALSE(b.connect());
    b.run_timers();
    ASSERT_TRUE(b.ue->link_done());
    EXPECT_FALSE(b.ue->failure().empty());
    EXPECT_NE(b.ue->failure().find("T4100 expired"), std::string::npos) << b.ue->failure();
    EXPECT_TRUE(b.ue->try_again(1));
    EXPECT_TRUE(b.ue->try_again(RemoteUeService::kSetupAttempts - 1));
    EXPECT_FALSE(b.ue->try_again(RemoteUeService::kSetupAttempts));
    // The next attempt starts afresh.
    b.run(b.ue->start_link(b.now, kRelayL2).value());
    EXPECT_FALSE(b.ue->link_done());
    EXPECT_TRUE(b.ue->failure().empty());
  }
}

TEST(RemoteUeService, FramesFromOthersAreIgnoredAndRekeyFollowsEveryNDatagrams) {
  Bed b({}, 2);
  ASSERT_TRUE(b.connect());
  EXPECT_TRUE(b.ue->on_frame(b.now, kRelayL2 + 1, kUeL2, Bytes{1, 2, 3}).empty());
  EXPECT_TRUE(b.ue->on_frame(b.now, kRelayL2, kUeL2 + 1, Bytes{1, 2, 3}).empty());
  auto first = b.ue->send_data(b.now, Bytes{1});
  EXPECT_FALSE(has_message(first, "Direct Rekeying Request"));
  b.run(std::move(first));
  auto second = b.ue->send_data(b.now, Bytes{2});
  EXPECT_TRUE(has_message(second, "Direct Rekeying Request (Auth Flag 0)"));
  b.run(std::move(second));
  b.pump();
  EXPECT_TRUE(has_event(b.log, "rekeyed"));
  EXPECT_EQ(b.ue->machine()->state(), link::RemoteState::kEstablished);
}

TEST(RemoteUeService, RefusesAConfigWithoutAUsim) {
  RemoteUeServiceConfig c;  // K and OPc exist only inside the caller's crypto::Usim: without one, no service
  c.imsi = test::kImsi;
  auto made = RemoteUeService::create(std::move(c), KeyStore{});
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace prose::service

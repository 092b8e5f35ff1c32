#include <gtest/gtest.h>

#include <future>
#include <map>

#include "pkmf_fixture.h"
#include "prose/mikey/keys.h"
#include "prose/pkmf/mikey_delivery.h"

namespace prose::pkmf::testing {
namespace {

using pc8::ErrorCode;

Bytes be(std::uint64_t v, int n) {
  Bytes b(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * (n - 1 - i)));
  return b;
}

// The TGK a MIKEY message carries, read with the RFC 3830 transport keys (the UE's mikey::Receiver never hands out
// the key of an all-zero PRUK ID trigger).
SecretBytes tgk_of(ByteView message, ByteView pmk) {
  auto d = mikey::decode(message);
  if (!d.ok()) {
    ADD_FAILURE() << d.error().to_string();
    return {};
  }
  const auto* rand = d->msg.find<mikey::RandPayload>();
  const auto* t = d->msg.find<mikey::TPayload>();
  const auto* k = d->msg.find<mikey::KemacPayload>();
  if (rand == nullptr || t == nullptr || k == nullptr) {
    ADD_FAILURE() << "not a PRUK delivery";
    return {};
  }
  auto keys =
      mikey::derive_transport_keys(d->msg.hdr.prf_func, pmk, d->msg.hdr.csb_id, rand->rand, k->encr_alg, k->mac_alg);
  auto iv =
      keys.ok() ? mikey::kemac_iv(keys->salt_key.view(), d->msg.hdr.csb_id, t->value) : Result<Bytes>(keys.error());
  if (!iv.ok()) {
    ADD_FAILURE() << iv.error().to_string();
    return {};
  }
  SecretBytes plain = mikey::aes_cm_128_secret(keys->encr_key.view(), *iv, k->encr_data);
  auto kd = mikey::decode_key_data(plain.view());
  if (!kd.ok() || kd->size() != 1) {
    ADD_FAILURE() << "key data";
    return {};
  }
  return std::move((*kd)[0].key);
}

template <typename T>
ErrorCode error_of(const pc8::Response& r) {
  const auto& resp = std::get<T>(r);
  EXPECT_TRUE(std::holds_alternative<ErrorCode>(resp.outcome));
  return std::holds_alternative<ErrorCode>(resp.outcome) ? std::get<ErrorCode>(resp.outcome) : ErrorCode::kUnspecified;
}

class PkmfServiceTest : public PkmfWorld {
 protected:
  // Runs the whole Remote UE exchange and MIKEY delivery; returns the PRUK the UE ends up with.
  struct UeKeys {
    std::uint64_t pruk_id = 0;
    SecretBytes pruk;
    std::uint32_t key_type_id = 0;
  };
  UeKeys provision(UeMikeyEndpoint& ep, const char* imsi = kUeImsi) {
    UeKeys out;
    auto resp = service_->handle(ue(imsi), kPeerIp, pruk_request(ep.port()), std::time(nullptr));
    auto& pr = std::get<pc8::PrukResponse>(resp);
    EXPECT_EQ(pr.transaction_id.value, 7u);
    auto* grant = std::get_if<pc8::PrukGrant>(&pr.outcome);
    if (grant == nullptr || !grant->pmk) {
      ADD_FAILURE() << "no grant with a PMK";
      return out;
    }
    out.key_type_id = grant->key_type_id.value;
    mikey::Receiver rx;
    rx.add_pmk(be(grant->pmk->pmk_id.value, 8), grant->pmk->pmk.clone());
    EXPECT_TRUE(rx.add_key_type(be(grant->key_type_id.value, 4), mikey::KeyClass::kPruk).ok());
    sockaddr_in from{};
    auto msg = ep.receive(3000, &from);
    if (!msg) {
      ADD_FAILURE() << "no MIKEY message arrived";
      return out;
    }
    auto opened = rx.open(*msg, mikey::ntp_now());
    if (!opened.ok()) {
      ADD_FAILURE() << opened.error().to_string();
      return out;
    }
    EXPECT_EQ(opened->key_class, mikey::KeyClass::kPruk);
    EXPECT_FALSE(opened->key_request_trigger);
    EXPECT_TRUE(opened->verification_message.has_value());
    out.pruk_id = opened->key_id;
    out.pruk = opened->key.clone();
    if (opened->verification_message) ep.reply(from, *opened->verification_message);
    return out;
  }
};

TEST_F(PkmfServiceTest, RemoteUeReceivesPrukByMikeyAndVerifies) {
  UeMikeyEndpoint ep;
  UeKeys keys = provision(ep);
  ASSERT_NE(keys.pruk_id, 0u);
  auto lease = stores_->acquire();
  auto stored = (*lease)->find_pruk(keys.pruk_id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_TRUE((*stored)->pruk == keys.pruk) << "the UE holds the PRUK the PKMF stored";
  EXPECT_EQ((*stored)->imsi, kUeImsi);
  for (int i = 0; i < 100 && service_->pending_verifications() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(service_->pending_verifications(), 0u) << "the verification message was checked";
  EXPECT_NE(metrics_.render().find("prose_pkmf_mikey_messages_total{event=\"verified\"} 1"), std::string::npos);
  // The UE's IP address and delivery state are remembered.
  auto rec = (*lease)->find_ue(kUeImsi);
  EXPECT_EQ((*rec)->ip_address, "127.0.0.1");
  EXPECT_TRUE((*rec)->pruk_delivery);
  // The audit trail names the key but never holds it.
  auto audit = (*lease)->audit_log(kUeImsi, 10);
  ASSERT_TRUE(audit.ok());
  ASSERT_FALSE(audit->empty());
  for (const auto& e : *audit) EXPECT_EQ(e.key_id.find(keys.pruk.reveal_hex()), std::string::npos);
}

TEST_F(PkmfServiceTest, UeHoldingTheCurrentPrukGetsNoNewOne) {
  UeMikeyEndpoint ep;
  UeKeys keys = provision(ep);
  auto resp = service_->handle(ue(), kPeerIp, pruk_request(ep.port(), {keys.pruk_id}), std::time(nullptr));
  auto& grant = std::get<pc8::PrukGrant>(std::get<pc8::PrukResponse>(resp).outcome);
  EXPECT_EQ(grant.key_type_id.value, keys.key_type_id) << "Key Type ID is stable";
  EXPECT_FALSE(grant.pmk.has_value()) << "the UE keeps its PMK";
  EXPECT_FALSE(ep.receive(500).has_value()) << "no MIKEY push for a UE that holds the newest PRUK";
}

TEST_F(PkmfServiceTest, StopRequestIsAcknowledgedAndRecorded) {
  pc8::PrukRequest r = pruk_request(2269);
  r.delivery = pc8::PrukDelivery::kStop;
  auto resp = service_->handle(ue(), kPeerIp, r, 5);
  EXPECT_TRUE(std::holds_alternative<pc8::PrukStopAck>(std::get<pc8::PrukResponse>(resp).outcome));
  auto lease = stores_->acquire();
  EXPECT_FALSE((*(*lease)->find_ue(kUeImsi))->pruk_delivery);
  EXPECT_TRUE((*lease)->pruk_ids(kUeImsi)->empty()) << "nothing issued after a stop";
}

TEST_F(PkmfServiceTest, RelayGetsKdTheRemoteUeCanDerive) {
  UeMikeyEndpoint ep;
  UeKeys keys = provision(ep);
  auto r1 = service_->handle(relay(), kPeerIp, kd_request_by_pruk(keys.pruk_id), 100);
  auto r2 = service_->handle(relay(), kPeerIp, kd_request_by_pruk(keys.pruk_id), 101);
  auto& g1 = std::get<pc8::KdGrant>(std::get<pc8::KdResponse>(r1).outcome);
  auto& g2 = std::get<pc8::KdGrant>(std::get<pc8::KdResponse>(r2).outcome);
  EXPECT_NE(g1.kd_freshness, g2.kd_freshness) << "fresh KD freshness parameter per request";
  auto kd_ue = keys::derive_kd(keys.pruk.view(), g1.kd_freshness.view());
  ASSERT_TRUE(kd_ue.ok());
  EXPECT_TRUE(*kd_ue == g1.kd);
  EXPECT_FALSE(g1.gpi.has_value());
  ASSERT_TRUE(g1.remote_ue.has_value());
  EXPECT_EQ(g1.remote_ue->imsi.digits, kUeImsi);
  service_->flush_kd_bookkeeping();
  auto lease = stores_->acquire();
  EXPECT_EQ((*(*lease)->find_pruk(keys.pruk_id))->use_count, 2u);
  EXPECT_EQ((*lease)->audit_log(kUeImsi, 100)->front().key_kind, "KD");
}

TEST_F(PkmfServiceTest, EveryAuthorisationFailureHasItsCode) {
  UeMikeyEndpoint ep;
  UeKeys keys = provision(ep);
  EXPECT_EQ(error_of<pc8::KdResponse>(service_->handle(relay(), kPeerIp, kd_request_by_pruk(0x1234), 1)),
            ErrorCode::kUnknownPrukId);
  EXPECT_EQ(error_of<pc8::KdResponse>(service_->handle(relay("r9"), kPeerIp, kd_request_by_pruk(keys.pruk_id), 1)),
            ErrorCode::kRelayNotAuthorised);
  EXPECT_EQ(error_of<pc8::KdResponse>(service_->handle(relay("r2"), kPeerIp, kd_request_by_pruk(keys.pruk_id), 1)),
            ErrorCode::kUnknownRelayServiceCode);
  EXPECT_EQ(
      error_of<pc8::KdResponse>(service_->handle(relay("r2"), kPeerIp, kd_request_by_pruk(keys.pruk_id, 0x000777), 1)),
      ErrorCode::kRelayNotAuthorisedForUe);
  EXPECT_EQ(error_of<pc8::KdResponse>(service_->handle(ue(), kPeerIp, kd_request_by_pruk(keys.pruk_id), 1)),
            ErrorCode::kRelayNotAuthorised)
      << "a UE certificate cannot ask for KD";
  EXPECT_EQ(error_of<pc8::PrukResponse>(service_->handle(relay(), kPeerIp, pruk_request(ep.port()), 1)),
            ErrorCode::kUeNotAuthorised);
  EXPECT_EQ(error_of<pc8::PrukResponse>(service_->handle(ue("001019999999999"), kPeerIp, pruk_request(ep.port()), 1)),
            ErrorCode::kUeNotAuthorised);
  EXPECT_EQ(error_of<pc8::KdResponse>(service_->handle(relay(), kPeerIp, kd_request_by_imsi("001019999999999"), 1)),
            ErrorCode::kUnknownImsi);
  EXPECT_NE(metrics_.render().find("prose_pkmf_errors_total{code=\"13\",name=\"unknown-pruk-id\"} 1"),
            std::string::npos);
}

// KD batching (issue 18 speed; the PKMF enables it on PostgreSQL, here on SQLite, where lookup_for_kd_batch reads
// each query in turn): handle_async gives the answers and exact PC8 codes handle() gives.
TEST_F(PkmfServiceTest, BatchedKdRequestsGetTheSameAnswersAndCodes) {
  UeMikeyEndpoint ep;
  UeKeys keys = provision(ep);
  service_->enable_kd_batching(KdBatcherConfig{});
  auto ask = [&](const net::PeerIdentity& peer, pc8::KdRequest r) {
    std::promise<pc8::Response> p;
    auto f = p.get_future();
    service_->handle_async(peer, kPeerIp, pc8::Request(std::move(r)), 100,
                           [&p](pc8::Response resp) { p.set_value(std::move(resp)); });
    return f.get();
  };
  auto granted = ask(relay(), kd_request_by_pruk(keys.pruk_id));
  auto& g = std::get<pc8::KdGrant>(std::get<pc8::KdResponse>(granted).outcome);
  auto kd_ue = keys::derive_kd(keys.pruk.view(), g.kd_freshness.view());
  ASSERT_TRUE(kd_ue.ok());
  EXPECT_TRUE(*kd_ue == g.kd);
  EXPECT_EQ(std::get<pc8::KdResponse>(granted).transaction_id.value, 9u);
  EXPECT_EQ(error_of<pc8::KdResponse>(ask(relay(), kd_request_by_pruk(0x1234))), ErrorCode::kUnknownPrukId);
  EXPECT_EQ(error_of<pc8::KdResponse>(ask(relay("r9"), kd_request_by_pruk(keys.pruk_id))),
            ErrorCode::kRelayNotAuthorised);
  EXPECT_EQ(error_of<pc8::KdResponse>(ask(relay("r2"), kd_request_by_pruk(keys.pruk_id))),
            ErrorCode::kUnknownRelayServiceCode);
  EXPECT_EQ(error_of<pc8::KdResponse>(ask(relay("r2"), kd_request_by_pruk(keys.pruk_id, 0x000777))),
            ErrorCode::kRelayNotAuthorisedForUe);
  EXPECT_EQ(error_of<pc8::KdResponse>(ask(ue(), kd_request_by_pruk(keys.pruk_id))), ErrorCode::kRelayNotAuthorised);
  EXPECT_EQ(error_of<pc8::KdResponse>(ask(relay(), kd_request_by_imsi("001019999999999"))), ErrorCode::kUnknownImsi)
      << "by IMSI: not batched, answered at once";
  auto st = service_->kd_batch_stats();
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->requests, 5u) << "the five relay requests by PRUK ID went through the batcher";
  EXPECT_NE(metrics_.render().find("prose_pkmf_kd_batched_requests_total 5\n"), std::string::npos);
  service_->flush_kd_bookkeeping();
  auto lease = stores_->acquire();
  EXPECT_EQ((*(*lease)->find_pruk(keys.pruk_id))->use_count, 1u) << "a batched grant is counted like any other";
}

// The store gone (nothing listens where it was): a batched KD request gets temporarily-unavailable, as in handle().
TEST_F(PkmfServiceTest, BatchedKdRequestWithTheStoreGoneIsTemporarilyUnavailable) {
  store::StorePool gone("postgresql://postgres@127.0.0.1:1/prose?connect_timeout=1", kek_.clone());
  Metrics m;
  PkmfService svc(ServiceConfig{}, gone, m, nullptr, nullptr);
  svc.enable_kd_batching(KdBatcherConfig{});
  std::promise<pc8::Response> p;
  auto f = p.get_future();
  svc.handle_async(relay(), kPeerIp, pc8::Request(kd_request_by_pruk(0x1234)), 1,
                   [&p](pc8::Response resp) { p.set_value(std::move(resp)); });
  EXPECT_EQ(error_of<pc8::KdResponse>(f.get()), ErrorCode::kTemporarilyUnavailable);
}

TEST_F(PkmfServiceTest, ImsiRequestRunsGbaPushAndTheUeDerivesTheSamePrukAndKd) {
  auto resp = service_->handle(relay(), kPeerIp, kd_request_by_imsi(kUe2Imsi), 100);
  auto* grant = std::get_if<pc8::KdGrant>(&std::get<pc8::KdResponse>(resp).outcome);
  ASSERT_NE(grant, nullptr);
  ASSERT_TRUE(grant->gpi.has_value());
  auto usim = crypto::Usim::create(hex_literal(kK), hex_literal(kOpc));
  ASSERT_TRUE(usim.ok());
  auto outcome = gba::process_gpi(*usim, impi_for("{imsi}@ims.mnc001.mcc001.3gppnetwork.org", kUe2Imsi),
                                  keys::make_pkmf_naf_id("pkmf.prose.test"), *grant->gpi);
  ASSERT_TRUE(outcome.ok()) << outcome.error().to_string();
  ASSERT_TRUE(outcome->accepted.has_value());
  auto kd = keys::derive_kd(outcome->accepted->pruk.view(), grant->kd_freshness.view());
  EXPECT_TRUE(*kd == grant->kd);
  auto lease = stores_->acquire();
  auto stored = (*lease)->find_pruk(outcome->accepted->pruk_id.value);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->source, store::PrukSource::kGbaPush);
  // The new PRUK ID now works on its own.
  auto again = service_->handle(relay(), kPeerIp, kd_request_by_pruk(outcome->accepted->pruk_id.value), 101);
  auto* g2 = std::get_if<pc8::KdGrant>(&std::get<pc8::KdResponse>(again).outcome);
  ASSERT_NE(g2, nullptr);
  EXPECT_FALSE(g2->gpi.has_value());
  // One GBA Push, two KD grants (packaging/grafana/prose.json charts both).
  const std::string m = metrics_.render();
  EXPECT_NE(m.find("prose_pkmf_gba_push_total{result=\"ok\"} 1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("prose_pkmf_gba_push_total{result=\"failed\"} 0\n"), std::string::npos) << m;
  EXPECT_NE(m.find("prose_pkmf_responses_total{exchange=\"kd\",outcome=\"granted\"} 2\n"), std::string::npos) << m;
}

TEST_F(PkmfServiceTest, SqnFailureResynchronisesThroughTheRelay) {
  auto usim = crypto::Usim::create(hex_literal(kK), hex_literal(kOpc));
  ASSERT_TRUE(usim.ok());
  // The USIM has already accepted much higher sequence numbers, in every IND slot, than the HSS will use next
  // (e.g. the subscriber was moved from another HSS).
  usim->set_seq_array(std::vector<std::uint64_t>(usim->seq_array().size(), 0x100000));

  const std::string impi = impi_for("{imsi}@ims.mnc001.mcc001.3gppnetwork.org", kUe2Imsi);
  const Bytes naf_id = keys::make_pkmf_naf_id("pkmf.prose.test");
  auto first = service_->handle(relay(), kPeerIp, kd_request_by_imsi(kUe2Imsi), 100);
  auto& g1 = std::get<pc8::KdGrant>(std::get<pc8::KdResponse>(first).outcome);
  auto failed = gba::process_gpi(*usim, impi, naf_id, *g1.gpi);
  ASSERT_TRUE(failed.ok()) << failed.error().to_string();
  ASSERT_TRUE(failed->sync_failure.has_value());

  pc8::KdRequest retry = kd_request_by_imsi(kUe2Imsi);
  retry.resync = pc8::Resync{*ids::Rand::from_bytes(failed->sync_failure->rand, "RAND"),
                             *ids::Auts::from_bytes(failed->sync_failure->auts, "AUTS")};
  auto second = service_->handle(relay(), kPeerIp, retry, 101);
  auto* g2 = std::get_if<pc8::KdGrant>(&std::get<pc8::KdResponse>(second).outcome);
  ASSERT_NE(g2, nullptr);
  auto ok = gba::process_gpi(*usim, impi, naf_id, *g2->gpi);
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  ASSERT_TRUE(ok->accepted.has_value()) << "after resynchronisation the next GPI is accepted";
  EXPECT_TRUE(*keys::derive_kd(ok->accepted->pruk.view(), g2->kd_freshness.view()) == g2->kd);

  // A forged AUTS is refused with its own code.
  pc8::KdRequest forged = retry;
  forged.resync->auts.bytes[13] ^= 1;
  EXPECT_EQ(error_of<pc8::KdResponse>(service_->handle(relay(), kPeerIp, forged, 102)),
            ErrorCode::kResynchronisationFailed);
}

class PkmfZpnTest : public PkmfServiceTest {
 protected:
  void SetUp() override {
    mode_ = GbaPushMode::kZpn;
    PkmfServiceTest::SetUp();
  }
};

TEST_F(PkmfZpnTest, GbaPushThroughTheBsf) {
  auto resp = service_->handle(relay(), kPeerIp, kd_request_by_imsi(kUe2Imsi), 100);
  auto* grant = std::get_if<pc8::KdGrant>(&std::get<pc8::KdResponse>(resp).outcome);
  ASSERT_NE(grant, nullptr);
  auto usim = crypto::Usim::create(hex_literal(kK), hex_literal(kOpc));
  auto outcome = gba::process_gpi(*usim, impi_for("{imsi}@ims.mnc001.mcc001.3gppnetwork.org", kUe2Imsi),
                                  keys::make_pkmf_naf_id("pkmf.prose.test"), *grant->gpi);
  ASSERT_TRUE(outcome.ok()) << outcome.error().to_string();
  ASSERT_TRUE(outcome->accepted.has_value());
  EXPECT_TRUE(*keys::derive_kd(outcome->accepted->pruk.view(), grant->kd_freshness.view()) == grant->kd);
}

TEST_F(PkmfServiceTest, HssDownIsAClearErrorAndPrukIdRequestsStillWork) {
  UeMikeyEndpoint ep;
  UeKeys keys = provision(ep);
  hss_server_->stop();
  hss_thread_.join();
  hss_thread_ = std::thread([] {});
  // A dead transport is temporary (the UE may try again), not a GBA Push failure.
  EXPECT_EQ(error_of<pc8::KdResponse>(service_->handle(relay(), kPeerIp, kd_request_by_imsi(kUe2Imsi), 1)),
            ErrorCode::kTemporarilyUnavailable);
  auto resp = service_->handle(relay(), kPeerIp, kd_request_by_pruk(keys.pruk_id), 2);
  EXPECT_TRUE(std::holds_alternative<pc8::KdGrant>(std::get<pc8::KdResponse>(resp).outcome));
}

// Step 4b: "policy in the PKMF decides that PRUK ID needs refreshing": a PRUK used for pruk_max_uses KD derivations,
// or older than pruk_max_age_s, is replaced by GBA Push on the next KD request; the relay gets KD from the new PRUK
// and the GPI for the Remote UE. Ages and uses below the limits get no GPI.
class PkmfPolicyTest : public PkmfServiceTest {
 protected:
  void SetUp() override {
    policy_.pruk_max_uses = 2;
    policy_.pruk_max_age_s = 1000;
    PkmfServiceTest::SetUp();
  }
  const std::string impi_ = impi_for("{imsi}@ims.mnc001.mcc001.3gppnetwork.org", kUeImsi);
  const Bytes naf_id_ = keys::make_pkmf_naf_id("pkmf.prose.test");

  // A KD request by PRUK ID at `now`; checks KD against the PRUK the UE would use and returns the grant.
  pc8::KdGrant kd_for(std::uint64_t pruk_id, std::int64_t now) {
    auto resp = service_->handle(relay(), kPeerIp, kd_request_by_pruk(pruk_id), now);
    service_->flush_kd_bookkeeping();
    auto* g = std::get_if<pc8::KdGrant>(&std::get<pc8::KdResponse>(resp).outcome);
    if (g == nullptr) {
      ADD_FAILURE() << "no KD grant";
      return {};
    }
    return std::move(*g);
  }
  // The Remote UE's side of a GPI: the new PRUK ID and PRUK; KD must match.
  std::pair<std::uint64_t, SecretBytes> accept_gpi(const pc8::KdGrant& g) {
    auto usim = crypto::Usim::create(hex_literal(kK), hex_literal(kOpc));
    auto outcome = gba::process_gpi(*usim, impi_, naf_id_, *g.gpi);
    EXPECT_TRUE(outcome.ok() && outcome->accepted.has_value());
    if (!outcome.ok() || !outcome->accepted) return {0, SecretBytes()};
    EXPECT_TRUE(*keys::derive_kd(outcome->accepted->pruk.view(), g.kd_freshness.view()) == g.kd)
        << "KD comes from the new PRUK";
    return {outcome->accepted->pruk_id.value, outcome->accepted->pruk.clone()};
  }
};

TEST_F(PkmfPolicyTest, APrukUsedPrukMaxUsesTimesIsRefreshedByGbaPush) {
  UeMikeyEndpoint ep;
  UeKeys keys = provision(ep);
  const std::int64_t t = std::time(nullptr);
  for (int i = 0; i < 2; ++i) {
    auto g = kd_for(keys.pruk_id, t + i);
    EXPECT_FALSE(g.gpi.has_value()) << "use " << i + 1 << " of 2 keeps the PRUK";
    EXPECT_TRUE(*keys::derive_kd(keys.pruk.view(), g.kd_freshness.view()) == g.kd);
  }
  auto g3 = kd_for(keys.pruk_id, t + 2);
  ASSERT_TRUE(g3.gpi.has_value()) << "the third KD request finds the PRUK spent";
  auto [fresh_id, fresh] = accept_gpi(g3);
  ASSERT_NE(fresh_id, 0u);
  EXPECT_NE(fresh_id, keys.pruk_id);
  auto lease = stores_->acquire();
  auto rec = (*lease)->find_pruk(fresh_id);
  ASSERT_TRUE(rec.ok() && rec->has_value());
  EXPECT_EQ((*rec)->source, store::PrukSource::kGbaPush);
  EXPECT_EQ((*rec)->use_count, 1u) << "the KD of the refresh counts against the new PRUK";
  EXPECT_TRUE((*(*lease)->find_pruk(keys.pruk_id)).has_value())
      << "the MIKEY PRUK stays until the UE used the GBA Push one (6.X.3.1)";
  // The new PRUK ID works on its own, until it is spent in turn.
  auto g4 = kd_for(fresh_id, t + 3);
  EXPECT_FALSE(g4.gpi.has_value());
  EXPECT_TRUE(*keys::derive_kd(fresh.view(), g4.kd_freshness.view()) == g4.kd);
  EXPECT_TRUE(kd_for(fresh_id, t + 4).gpi.has_value());
}

TEST_F(PkmfPolicyTest, APrukOlderThanPrukMaxAgeIsRefreshedByGbaPush) {
  UeMikeyEndpoint ep;
  UeKeys keys = provision(ep);
  auto lease = stores_->acquire();
  const std::int64_t created = (*(*lease)->find_pruk(keys.pruk_id))->created_at;
  EXPECT_FALSE(kd_for(keys.pruk_id, created + 1000).gpi.has_value()) << "exactly pruk_max_age_s old: still valid";
  auto g = kd_for(keys.pruk_id, created + 1001);
  ASSERT_TRUE(g.gpi.has_value()) << "older than pruk_max_age_s: refreshed";
  auto [fresh_id, fresh] = accept_gpi(g);
  EXPECT_NE(fresh_id, 0u);
  EXPECT_NE(fresh_id, keys.pruk_id);
}

TEST_F(PkmfPolicyTest, AFailedPolicyRefreshFallsBackToTheNamedPruk) {
  UeMikeyEndpoint ep;
  UeKeys keys = provision(ep);
  hss_server_->stop();
  hss_thread_.join();
  hss_thread_ = std::thread([] {});
  auto g = kd_for(keys.pruk_id, std::time(nullptr) + 5000);
  EXPECT_FALSE(g.gpi.has_value()) << "no GBA Push without the HSS";
  EXPECT_TRUE(*keys::derive_kd(keys.pruk.view(), g.kd_freshness.view()) == g.kd) << "KD from the PRUK still valid";
}

// Clause 6.X.3.3.2.3: "An all zero PRUK ID is used to trigger the UE to send a Key Request". The trigger is keyed with
// the UE's PMK, its TGK is random, and the UE's verification message is checked like any other.
TEST_F(PkmfServiceTest, KeyRequestTriggerIsAVerifiedMikeyMessageWithTheAllZeroPrukId) {
  UeMikeyEndpoint ep;
  auto first = service_->handle(ue(), kPeerIp, pruk_request(ep.port()), std::time(nullptr));
  auto& grant = std::get<pc8::PrukGrant>(std::get<pc8::PrukResponse>(first).outcome);
  ASSERT_TRUE(grant.pmk.has_value());
  ASSERT_TRUE(ep.receive(3000).has_value());  // the PRUK delivery (not verified here)

  auto lease = stores_->acquire();
  auto t1 = build_key_request_trigger(**lease, kUeImsi, "pkmf.prose.test", policy_, std::time(nullptr));
  auto t2 = build_key_request_trigger(**lease, kUeImsi, "pkmf.prose.test", policy_, std::time(nullptr));
  ASSERT_TRUE(t1.ok()) << t1.error().to_string();
  ASSERT_TRUE(t2.ok());
  EXPECT_EQ(t1->job.pruk_id, 0u);
  EXPECT_EQ(t1->job.port, ep.port());
  EXPECT_TRUE(t1->job.expects_verification) << "retransmitted until the UE answers";
  ASSERT_TRUE(t1->pending.has_value());

  mikey::Receiver rx;
  rx.add_pmk(be(grant.pmk->pmk_id.value, 8), grant.pmk->pmk.clone());
  ASSERT_TRUE(rx.add_key_type(be(grant.key_type_id.value, 4), mikey::KeyClass::kPruk).ok());
  auto o1 = rx.open(t1->job.message, mikey::ntp_now());
  auto o2 = rx.open(t2->job.message, mikey::ntp_now());
  ASSERT_TRUE(o1.ok()) << o1.error().to_string();
  ASSERT_TRUE(o2.ok());
  EXPECT_TRUE(o1->key_request_trigger);
  EXPECT_EQ(o1->key_id, 0u);
  EXPECT_TRUE(o1->key.empty()) << "the UE's receiver discards the trigger's key";
  const SecretBytes k1 = tgk_of(t1->job.message, grant.pmk->pmk.view());
  const SecretBytes k2 = tgk_of(t2->job.message, grant.pmk->pmk.view());
  EXPECT_EQ(k1.size(), keys::kPrukSize);
  EXPECT_FALSE(k1 == k2) << "the TGK carries random octets";
  ASSERT_TRUE(o1->verification_message.has_value());
  EXPECT_TRUE(t1->pending->verify(*o1->verification_message).ok());
  EXPECT_FALSE(t2->pending->verify(*o1->verification_message).ok()) << "another trigger's verification";
  EXPECT_TRUE((*lease)->pruk_ids(kUeImsi)->size() == 1u) << "a trigger stores no PRUK";

  // Refused: an unknown UE, a UE that never sent a Key Request, a UE that stopped delivery.
  EXPECT_EQ(build_key_request_trigger(**lease, "001019999999999", "p", policy_, 1).error().code, Errc::kNotFound);
  EXPECT_EQ(build_key_request_trigger(**lease, kUe2Imsi, "p", policy_, 1).error().code, Errc::kState);
  pc8::PrukRequest stop = pruk_request(ep.port());
  stop.delivery = pc8::PrukDelivery::kStop;
  service_->handle(ue(), kPeerIp, stop, std::time(nullptr));
  auto stopped = build_key_request_trigger(**lease, kUeImsi, "p", policy_, 1);
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.error().code, Errc::kState);
}

// After an operator revoked the PMK, the triggered Key Request (naming the PRUK the UE holds) gets a new PMK and a
// new PRUK protected with it; the old PRUK stays valid for KD until the UE verified the new one.
TEST_F(PkmfServiceTest, AKeyRequestAfterAPmkRevocationGetsANewPmkAndANewPruk) {
  UeMikeyEndpoint ep;
  UeKeys keys = provision(ep);
  for (int i = 0; i < 100 && service_->pending_verifications() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto lease = stores_->acquire();
  const std::uint64_t old_pmk = (*(*lease)->find_pmk(kUeImsi))->pmk_id;
  ASSERT_TRUE((*lease)->revoke_pmk(kUeImsi, {1, "admin", "revoke", "PMK", to_hex_u64(old_pmk), kUeImsi}).ok());
  EXPECT_FALSE((*(*lease)->find_pmk(kUeImsi)).has_value());
  EXPECT_EQ((*lease)->audit_log(kUeImsi, 1)->front().action, "revoke");
  EXPECT_EQ((*lease)->revoke_pmk("001019999999999", {1, "admin", "revoke", "PMK", "", ""}).error().code,
            Errc::kNotFound);

  auto resp = service_->handle(ue(), kPeerIp, pruk_request(ep.port(), {keys.pruk_id}), std::time(nullptr));
  auto& grant = std::get<pc8::PrukGrant>(std::get<pc8::PrukResponse>(resp).outcome);
  ASSERT_TRUE(grant.pmk.has_value()) << "a new PMK";
  EXPECT_NE(grant.pmk->pmk_id.value, old_pmk);
  mikey::Receiver rx;
  rx.add_pmk(be(grant.pmk->pmk_id.value, 8), grant.pmk->pmk.clone());
  ASSERT_TRUE(rx.add_key_type(be(grant.key_type_id.value, 4), mikey::KeyClass::kPruk).ok());
  auto msg = ep.receive(3000);
  ASSERT_TRUE(msg.has_value()) << "a new PRUK is pushed";
  auto opened = rx.open(*msg, mikey::ntp_now());
  ASSERT_TRUE(opened.ok()) << "protected with the new PMK: " << opened.error().to_string();
  EXPECT_NE(opened->key_id, keys.pruk_id);
  EXPECT_TRUE(std::holds_alternative<pc8::KdGrant>(
      std::get<pc8::KdResponse>(service_->handle(relay(), kPeerIp, kd_request_by_pruk(keys.pruk_id), 1)).outcome))
      << "the PRUK the UE holds works until it verified the new one";
}

// Issue 17 defect 1: two Key Requests back to back, then both verifications. The verification of the first PRUK must
// not delete the second (its MIKEY message was already sent): after both the UE's newest PRUK gives KD, and the first
// one is gone only once the second was verified.
TEST_F(PkmfServiceTest, VerifyingAPrukKeepsThePrukIssuedAfterIt) {
  UeMikeyEndpoint ep;
  mikey::Receiver rx;
  for (int i = 0; i < 2; ++i) {
    auto resp = service_->handle(ue(), kPeerIp, pruk_request(ep.port()), std::time(nullptr));
    auto& g = std::get<pc8::PrukGrant>(std::get<pc8::PrukResponse>(resp).outcome);
    ASSERT_TRUE(g.pmk.has_value());
    rx.add_pmk(be(g.pmk->pmk_id.value, 8), g.pmk->pmk.clone());
    ASSERT_TRUE(rx.add_key_type(be(g.key_type_id.value, 4), mikey::KeyClass::kPruk).ok());
  }
  std::map<std::uint64_t, Bytes> verification;  // by PRUK ID, in issue order below
  auto lease = stores_->acquire();
  auto newest_first = (*lease)->pruk_ids(kUeImsi);
  ASSERT_TRUE(newest_first.ok());
  const std::vector<std::uint64_t> issued(newest_first->rbegin(), newest_first->rend());
  ASSERT_EQ(issued.size(), 2u);
  while (verification.size() < 2) {
    auto msg = ep.receive(3000);
    ASSERT_TRUE(msg.has_value()) << "both MIKEY messages arrive";
    auto opened = rx.open(*msg, mikey::ntp_now());
    if (!opened.ok()) continue;  // a retransmission the replay cache refuses
    verification[opened->key_id] = *opened->verification_message;
  }
  ASSERT_TRUE(service_->on_verification(verification.at(issued[0]), std::time(nullptr)).ok());
  EXPECT_EQ(*(*lease)->pruk_ids(kUeImsi), (std::vector<std::uint64_t>{issued[1], issued[0]}))
      << "the PRUK issued after the verified one stays";
  EXPECT_TRUE(std::holds_alternative<pc8::KdGrant>(
      std::get<pc8::KdResponse>(service_->handle(relay(), kPeerIp, kd_request_by_pruk(issued[1]), 1)).outcome));
  ASSERT_TRUE(service_->on_verification(verification.at(issued[1]), std::time(nullptr)).ok());
  EXPECT_EQ(*(*lease)->pruk_ids(kUeImsi), (std::vector<std::uint64_t>{issued[1]}));
  EXPECT_EQ(error_of<pc8::KdResponse>(service_->handle(relay(), kPeerIp, kd_request_by_pruk(issued[0]), 1)),
            ErrorCode::kUnknownPrukId);
}

// Two deliveries in flight may reach the UE in either order (the sender sends queued messages in no set order, and UDP
// reorders). The UE keeps the one it received last (clause 6.X.3.1: "it deletes any previous one"), so the
// verification of the later-issued PRUK must not delete an earlier-issued one whose delivery is still on its way: the
// UE may yet receive it and keep it. Found by the kill -9 campaign (docs/reliability.md) as PRUKs lost without a kill.
TEST_F(PkmfServiceTest, AVerificationKeepsAnEarlierPrukWhoseDeliveryIsStillOnItsWay) {
  UeMikeyEndpoint ep;
  mikey::Receiver rx;
  for (int i = 0; i < 2; ++i) {
    auto resp = service_->handle(ue(), kPeerIp, pruk_request(ep.port()), std::time(nullptr));
    auto& g = std::get<pc8::PrukGrant>(std::get<pc8::PrukResponse>(resp).outcome);
    ASSERT_TRUE(g.pmk.has_value());
    rx.add_pmk(be(g.pmk->pmk_id.value, 8), g.pmk->pmk.clone());
    ASSERT_TRUE(rx.add_key_type(be(g.key_type_id.value, 4), mikey::KeyClass::kPruk).ok());
  }
  std::map<std::uint64_t, std::pair<Bytes, SecretBytes>> delivered;  // PRUK ID -> verification message, PRUK
  auto lease = stores_->acquire();
  auto newest_first = (*lease)->pruk_ids(kUeImsi);
  ASSERT_TRUE(newest_first.ok());
  const std::vector<std::uint64_t> issued(newest_first->rbegin(), newest_first->rend());
  ASSERT_EQ(issued.size(), 2u);
  while (delivered.size() < 2) {
    auto msg = ep.receive(3000);
    ASSERT_TRUE(msg.has_value()) << "both MIKEY messages arrive";
    auto opened = rx.open(*msg, mikey::ntp_now());
    if (!opened.ok()) continue;  // a retransmission the replay cache refuses
    delivered[opened->key_id] = {*opened->verification_message, opened->key.clone()};
  }
  // The later-issued PRUK reaches the UE first: the earlier one, still on its way, stays.
  ASSERT_TRUE(service_->on_verification(delivered.at(issued[1]).first, std::time(nullptr)).ok());
  EXPECT_EQ(*(*lease)->pruk_ids(kUeImsi), (std::vector<std::uint64_t>{issued[1], issued[0]}))
      << "a PRUK whose delivery is pending is not deleted";
  // Then the earlier-issued one arrives: it is what the UE keeps, and it gives the KD the UE derives.
  ASSERT_TRUE(service_->on_verification(delivered.at(issued[0]).first, std::time(nullptr)).ok());
  auto resp = service_->handle(relay(), kPeerIp, kd_request_by_pruk(issued[0]), 1);
  auto* grant = std::get_if<pc8::KdGrant>(&std::get<pc8::KdResponse>(resp).outcome);
  ASSERT_NE(grant, nullptr) << "the PRUK the UE holds was deleted";
  EXPECT_TRUE(*keys::derive_kd(delivered.at(issued[0]).second.view(), grant->kd_freshness.view()) == grant->kd);
  // A later verification deletes both, once nothing older is on its way.
  UeMikeyEndpoint ep2;
  auto third = provision(ep2);
  ASSERT_NE(third.pruk_id, 0u);
  for (int i = 0; i < 100 && (*lease)->pruk_ids(kUeImsi)->size() > 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(*(*lease)->pruk_ids(kUeImsi), (std::vector<std::uint64_t>{third.pruk_id}));
}

}  // namespace
}  // namespace prose::pkmf::testing

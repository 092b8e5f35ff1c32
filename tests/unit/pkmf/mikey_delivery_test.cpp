// Where the PKMF sends MIKEY (issue 17 defect 4) and what becomes of a delivery when the PKMF stops before the UE
// verified it (issue 17 defect 7), with every component real (SQLite store, MIKEY over UDP on loopback).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "pkmf_fixture.h"
#include "prose/pkmf/config.h"

namespace prose::pkmf::testing {
namespace {

Bytes be(std::uint64_t v, int n) {
  Bytes b(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * (n - 1 - i)));
  return b;
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string metric(const Metrics& m, const std::string& name) {
  std::string text = m.render();
  auto at = text.find("\n" + name + " ");  // a sample line, not its # HELP line
  if (at == std::string::npos) return "absent";
  at += name.size() + 2;
  return text.substr(at, text.find('\n', at) - at);
}

class MikeyDeliveryTest : public PkmfWorld {
 protected:
  // A Key Request of UE kUeImsi from kPeerIp naming ip:port; the receiver gets the grant's PMK and Key Type ID.
  void key_request(mikey::Receiver& rx, const char* ip, std::uint16_t port) {
    pc8::PrukRequest r = pruk_request(port);
    r.ue_address->ip = ip;
    auto resp = service_->handle(ue(), kPeerIp, r, std::time(nullptr));
    auto* g = std::get_if<pc8::PrukGrant>(&std::get<pc8::PrukResponse>(resp).outcome);
    ASSERT_NE(g, nullptr);
    ASSERT_TRUE(g->pmk.has_value());
    rx.add_pmk(be(g->pmk->pmk_id.value, 8), g->pmk->pmk.clone());
    ASSERT_TRUE(rx.add_key_type(be(g->key_type_id.value, 4), mikey::KeyClass::kPruk).ok());
  }
  // Opens the next MIKEY message at `ep` and answers its verification; the PRUK ID (0 when none came).
  std::uint64_t receive_and_verify(UeMikeyEndpoint& ep, mikey::Receiver& rx, SecretBytes* key = nullptr,
                                   int timeout_ms = 3000) {
    sockaddr_in from{};
    auto msg = ep.receive(timeout_ms, &from);
    if (!msg) return 0;
    auto opened = rx.open(*msg, mikey::ntp_now());
    EXPECT_TRUE(opened.ok()) << opened.error().to_string();
    if (!opened.ok()) return 0;
    if (opened->verification_message) ep.reply(from, *opened->verification_message);
    if (key) *key = opened->key.clone();
    return opened->key_id;
  }
  void wait_no_pending_verification() {
    for (int i = 0; i < 100 && service_->pending_verifications() > 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::vector<store::PendingDelivery> pending() {
    auto lease = stores_->acquire();
    auto rows = (*lease)->pending_deliveries();
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? *rows : std::vector<store::PendingDelivery>{};
  }
  bool kd_works(std::uint64_t pruk_id, const SecretBytes& pruk) {
    auto resp = service_->handle(relay(), kPeerIp, kd_request_by_pruk(pruk_id), std::time(nullptr));
    auto* g = std::get_if<pc8::KdGrant>(&std::get<pc8::KdResponse>(resp).outcome);
    return g != nullptr && *keys::derive_kd(pruk.view(), g->kd_freshness.view()) == g->kd;
  }
};

// ---------------------------------------------------------------------------------------------------------------
// Defect 4: the destination.

// A Key Request from 127.0.0.1 that names 127.0.0.2 (another host, same port) gets its MIKEY at 127.0.0.1: the request
// chooses the port only. Before, the PKMF sent its datagrams (up to max_attempts of them) wherever the XML said.
TEST_F(MikeyDeliveryTest, AKeyRequestNamingAnotherAddressGetsMikeyAtItsTlsPeerAddress) {
  UeMikeyEndpoint own;
  UeMikeyEndpoint other("127.0.0.2", own.port());
  mikey::Receiver rx;
  key_request(rx, "127.0.0.2", own.port());
  SecretBytes pruk;
  const std::uint64_t id = receive_and_verify(own, rx, &pruk);
  ASSERT_NE(id, 0u) << "MIKEY went to the TLS peer's address";
  EXPECT_FALSE(other.receive(700).has_value()) << "nothing went to the address the request named";
  auto lease = stores_->acquire();
  EXPECT_EQ((*(*lease)->find_ue(kUeImsi))->ip_address, std::string(kPeerIp)) << "the stored address is the TLS one";
  EXPECT_EQ(metric(metrics_, "prose_pkmf_mikey_address_replaced_total"), "1");
  EXPECT_TRUE(kd_works(id, pruk));
}

// A request naming its own TLS address is not counted as replaced.
TEST_F(MikeyDeliveryTest, ARequestNamingItsOwnAddressIsNotCounted) {
  UeMikeyEndpoint own;
  mikey::Receiver rx;
  key_request(rx, "127.0.0.1", own.port());
  EXPECT_NE(receive_and_verify(own, rx), 0u);
  EXPECT_EQ(metric(metrics_, "prose_pkmf_mikey_address_replaced_total"), "0");
}

// Behind NAT the TLS address is not the UE's: [mikey] destination = "as-requested" restores the old behaviour.
class MikeyAsRequestedTest : public MikeyDeliveryTest {
 protected:
  void SetUp() override {
    policy_.mikey_destination = MikeyDestination::kAsRequested;
    MikeyDeliveryTest::SetUp();
  }
};

TEST_F(MikeyAsRequestedTest, MikeyGoesWhereTheKeyRequestSays) {
  UeMikeyEndpoint tls_side;
  UeMikeyEndpoint behind_nat("127.0.0.2", tls_side.port());
  mikey::Receiver rx;
  key_request(rx, "127.0.0.2", tls_side.port());
  EXPECT_NE(receive_and_verify(behind_nat, rx), 0u);
  EXPECT_FALSE(tls_side.receive(300).has_value());
  EXPECT_EQ(metric(metrics_, "prose_pkmf_mikey_address_replaced_total"), "0");
}

// The [mikey] keys of both defects in the configuration file.
TEST(MikeyConfig, DestinationAndCapsAreReadAndBadValuesNameTheKey) {
  const fs::path dir = fs::temp_directory_path() / ("prose-pkmf-mikey-cfg-" + std::to_string(random_u64()));
  ExampleConfigOptions o;
  o.dir = dir.string();
  o.hss_port.reset();
  auto path = write_example_config(o);
  ASSERT_TRUE(path.ok()) << path.error().to_string();
  std::stringstream text;
  text << std::ifstream(*path).rdbuf();
  auto load_with = [&](const std::string& from, const std::string& to) {
    std::string t = text.str();
    auto at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) t.replace(at, from.size(), to);
    std::ofstream(*path) << t;
    return load_config(*path);
  };
  auto def = load_with("", "");
  ASSERT_TRUE(def.ok()) << def.error().to_string();
  EXPECT_EQ(def->service.policy.mikey_destination, MikeyDestination::kTlsPeer);
  EXPECT_EQ(def->service.policy.mikey_max_sends_per_second, 1000u);
  EXPECT_EQ(def->service.policy.mikey_ue_retransmissions_per_minute, 10u);
  auto nat = load_with("destination = \"tls-peer\"", "destination = \"as-requested\"");
  ASSERT_TRUE(nat.ok()) << nat.error().to_string();
  EXPECT_EQ(nat->service.policy.mikey_destination, MikeyDestination::kAsRequested);
  auto off = load_with("max_sends_per_second = 1000", "max_sends_per_second = 0");
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(off->service.policy.mikey_max_sends_per_second, 0u) << "0 = no cap";
  struct Case {
    const char* from;
    const char* to;
    const char* key;
  } cases[] = {
      {"destination = \"tls-peer\"", "destination = \"xml\"", "mikey.destination"},
      {"max_sends_per_second = 1000", "max_sends_per_second = -1", "mikey.max_sends_per_second"},
      {"ue_retransmissions_per_minute = 10", "ue_retransmissions_per_minute = \"10\"",
       "mikey.ue_retransmissions_per_minute"},
  };
  for (const auto& c : cases) {
    auto bad = load_with(c.from, c.to);
    ASSERT_FALSE(bad.ok()) << c.to;
    EXPECT_NE(bad.error().message.find(c.key), std::string::npos) << bad.error().message;
  }
  fs::remove_all(dir);
}

// ---------------------------------------------------------------------------------------------------------------
// Defect 7: pending deliveries.

// The grant and its pending delivery are written together; the verification ends it.
TEST_F(MikeyDeliveryTest, AGrantIsStoredWithItsDeliveryUntilTheUeVerifiesIt) {
  UeMikeyEndpoint ep;
  mikey::Receiver rx;
  const std::int64_t before = wall_ms();
  key_request(rx, kPeerIp, ep.port());
  auto rows = pending();
  ASSERT_EQ(rows.size(), 1u) << "the delivery is on record with the PRUK";
  EXPECT_EQ(rows[0].imsi, kUeImsi);
  EXPECT_EQ(rows[0].attempts, 1u) << "the first send starts right after the commit";
  EXPECT_GE(rows[0].next_attempt_ms, before + policy_.mikey_initial_backoff_ms);
  EXPECT_EQ(receive_and_verify(ep, rx), rows[0].pruk_id);
  wait_no_pending_verification();
  EXPECT_TRUE(pending().empty()) << "verified: the delivery is over";
}

// A UE that never answers: the sender records every later send, then gives up and the delivery ends.
TEST_F(MikeyDeliveryTest, ADeliveryTheSenderGivesUpOnEnds) {
  UeMikeyEndpoint ep;
  mikey::Receiver rx;
  key_request(rx, kPeerIp, ep.port());
  for (int i = 0; i < 40 && service_->pending_verifications() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(service_->pending_verifications(), 0u) << "3 attempts, 100 + 200 + 400 ms";
  EXPECT_TRUE(pending().empty());
  EXPECT_EQ(metric(metrics_, "prose_pkmf_mikey_messages_total{event=\"gave_up\"}"), "1");
}

// The PKMF stops (its sender and service vanish without a word, as in a kill -9) after the grant, and the MIKEY
// message it sent is lost. The next PKMF on the store finds the delivery once it is overdue, sends it again with a
// fresh message (new CSB ID, T, RAND) under the UE's PMK, with what is left of its attempts; the UE gets the PRUK it
// was granted, verifies it, and the delivery ends.
TEST_F(MikeyDeliveryTest, ADeliveryInterruptedByACrashIsResumedByTheNextPkmf) {
  UeMikeyEndpoint ep;
  mikey::Receiver rx;
  key_request(rx, kPeerIp, ep.port());
  ASSERT_TRUE(ep.receive(3000).has_value());  // sent, then lost
  start_pkmf();                               // the crash and the restart
  auto rows = pending();
  ASSERT_EQ(rows.size(), 1u);
  const unsigned made = rows[0].attempts;

  EXPECT_EQ(service_->resume_deliveries(wall_ms()), 0u) << "not overdue yet: its PKMF may still be working on it";
  EXPECT_EQ(service_->resume_deliveries(rows[0].next_attempt_ms + PkmfService::kResumeGraceMs + 1), 1u);
  EXPECT_EQ(pending()[0].attempts, made + 1) << "the resuming send counts against the budget";
  SecretBytes pruk;
  const std::uint64_t id = receive_and_verify(ep, rx, &pruk);
  ASSERT_EQ(id, rows[0].pruk_id) << "the PRUK granted before the crash";
  auto lease = stores_->acquire();
  EXPECT_TRUE((*(*lease)->find_pruk(id))->pruk == pruk);
  wait_no_pending_verification();
  EXPECT_TRUE(pending().empty()) << "verified after the restart: the delivery is over";
  EXPECT_EQ(metric(metrics_, "prose_pkmf_mikey_deliveries_resumed_total"), "1");
  EXPECT_TRUE(kd_works(id, pruk));
}

// A delivery whose attempts are spent, or whose UE stopped PRUK delivery since, is not resumed: it ends.
TEST_F(MikeyDeliveryTest, NoResumeWithoutAttemptsLeftOrForAUeThatStoppedDelivery) {
  UeMikeyEndpoint ep;
  mikey::Receiver rx;
  key_request(rx, kPeerIp, ep.port());
  start_pkmf();
  auto rows = pending();
  ASSERT_EQ(rows.size(), 1u);
  auto lease = stores_->acquire();
  ASSERT_TRUE((*lease)->record_delivery_progress({{rows[0].pruk_id, "", policy_.mikey_max_attempts, 0}}).ok());
  EXPECT_EQ(service_->resume_deliveries(wall_ms()), 0u);
  EXPECT_TRUE(pending().empty()) << "its budget was spent";

  UeMikeyEndpoint ep2;
  key_request(rx, kPeerIp, ep2.port());
  start_pkmf();
  pc8::PrukRequest stop = pruk_request(ep2.port());
  stop.delivery = pc8::PrukDelivery::kStop;
  service_->handle(ue(), kPeerIp, stop, std::time(nullptr));
  ASSERT_EQ(pending().size(), 1u);
  EXPECT_EQ(service_->resume_deliveries(wall_ms() + 60000), 0u);
  EXPECT_TRUE(pending().empty()) << "the UE stopped delivery: its address may no longer be its own";
  ep2.receive(100);  // the one sent before the restart
  EXPECT_FALSE(ep2.receive(300).has_value());
  EXPECT_EQ(metric(metrics_, "prose_pkmf_mikey_deliveries_resumed_total"), "0");
}

}  // namespace
}  // namespace prose::pkmf::testing

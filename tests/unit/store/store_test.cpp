// Store behaviour, run against SQLite always and against PostgreSQL when PROSE_TEST_PG_URL names a server
// (ctest starts one on loopback for the "store.postgres" test; see tests/integration/store_postgres).
#include "prose/store/store.h"
#include "prose/store/store_pool.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <optional>
#include <set>
#include <thread>

#include "prose/store/schema.h"
#include "prose/util/random.h"

namespace prose::store {
namespace {

namespace fs = std::filesystem;

std::string pg_url() {
  const char* u = std::getenv("PROSE_TEST_PG_URL");
  return u ? u : "";
}

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    kek_ = SecretBytes(ByteView(std::vector<std::uint8_t>(32, 0x42)));
    if (GetParam() == "sqlite") {
      dir_ = fs::temp_directory_path() / ("prose-store-" + std::to_string(random_u64()));
      fs::create_directories(dir_);
      url_ = "sqlite:" + (dir_ / "pkmf.db").string();
    } else {
      url_ = pg_url();
      if (url_.empty()) GTEST_SKIP() << "PROSE_TEST_PG_URL not set (run via ctest -R store.postgres)";
      wipe_postgres();
    }
    auto s = open_store(url_, kek_);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  void wipe_postgres() {
    auto s = open_store(url_, kek_);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    auto ues = (*s)->list_ues(1000000, 0);
    ASSERT_TRUE(ues.ok());
    for (const auto& ue : *ues) ASSERT_TRUE((*s)->remove_ue(ue.imsi).ok());
    auto relays = (*s)->list_relays();
    ASSERT_TRUE(relays.ok());
    for (const auto& r : *relays) ASSERT_TRUE((*s)->remove_relay(r.relay_id).ok());
  }
  std::unique_ptr<Store> reopen() {
    auto s = open_store(url_, kek_);
    EXPECT_TRUE(s.ok());
    return std::move(*s);
  }
  PrukRecord pruk(const std::string& imsi, std::uint64_t id, std::int64_t at = 100) {
    PrukRecord r;
    r.imsi = imsi;
    r.pruk_id = id;
    r.pruk = random_secret(32);
    r.source = PrukSource::kMikey;
    r.created_at = at;
    return r;
  }
  AuditEntry audit_for(const PrukRecord& r) { return AuditEntry{r.created_at, r.imsi, "issue", "PRUK", "id", r.imsi}; }

  SecretBytes kek_;
  fs::path dir_;
  std::string url_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreTest, SchemaIsAtLatestVersionAndMigrationIsIdempotent) {
  EXPECT_EQ(store_->schema_version(), latest_schema_version());
  auto again = reopen();
  EXPECT_EQ(again->schema_version(), latest_schema_version());
}

TEST_P(StoreTest, UeLifecycle) {
  ASSERT_TRUE(store_->upsert_ue("001010000000001", {0x000001, 0x00abcd}, 10).ok());
  auto ue = store_->find_ue("001010000000001");
  ASSERT_TRUE(ue.ok());
  ASSERT_TRUE(ue->has_value());
  EXPECT_EQ((*ue)->relay_service_codes, (std::vector<std::uint32_t>{0x000001, 0x00abcd}));
  EXPECT_FALSE((*ue)->pruk_delivery);
  EXPECT_FALSE((*ue)->ip_address.has_value());

  ASSERT_TRUE(store_->update_ue_delivery("001010000000001", true, "127.0.0.5", 2269, 11).ok());
  ASSERT_TRUE(store_->update_ue_delivery("001010000000001", true, "127.0.0.6", 0, 12).ok());  // newer IP overrides
  ue = store_->find_ue("001010000000001");
  EXPECT_EQ((*ue)->ip_address, "127.0.0.6");
  EXPECT_EQ((*ue)->mikey_port, 2269);
  EXPECT_TRUE((*ue)->pruk_delivery);

  ASSERT_TRUE(store_->upsert_ue("001010000000001", {7}, 13).ok());
  ue = store_->find_ue("001010000000001");
  EXPECT_EQ((*ue)->relay_service_codes, (std::vector<std::uint32_t>{7}));
  EXPECT_EQ((*ue)->ip_address, "127.0.0.6");  // re-authorising keeps the rest

  EXPECT_EQ(*store_->count_ues(), 1u);
  EXPECT_EQ(store_->update_ue_delivery("999", true, std::nullopt, 0, 1).error().code, Errc::kNotFound);
  EXPECT_EQ(store_->upsert_ue("1", {0x1000000}, 1).error().code, Errc::kInvalidArgument);
  EXPECT_FALSE(store_->find_ue("1")->has_value()) << "failed upsert must leave nothing behind";
  ASSERT_TRUE(store_->remove_ue("001010000000001").ok());
  EXPECT_EQ(store_->remove_ue("001010000000001").error().code, Errc::kNotFound);
}

TEST_P(StoreTest, PmkIsEncryptedAtRestAndBoundToItsKek) {
  ASSERT_TRUE(store_->upsert_ue("001010000000002", {1}, 1).ok());
  SecretBytes pmk = random_secret(32);
  ASSERT_TRUE(store_->set_pmk("001010000000002", 0x1122334455667788ull, pmk).ok());
  auto got = store_->find_pmk("001010000000002");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->pmk_id, 0x1122334455667788ull);
  EXPECT_TRUE((*got)->pmk == pmk);

  if (GetParam() == "sqlite") {
    // The raw database file never holds the PMK in clear.
    store_.reset();
    std::string path = url_.substr(7);
    for (const char* suffix : {"", "-wal"}) {
      std::ifstream f(path + suffix, std::ios::binary);
      std::string raw((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      std::string needle(reinterpret_cast<const char*>(pmk.data()), pmk.size());
      EXPECT_EQ(raw.find(needle), std::string::npos) << path << suffix;
    }
  }
  store_.reset();
  SecretBytes other(ByteView(std::vector<std::uint8_t>(32, 0x43)));
  auto wrong = open_store(url_, other);
  ASSERT_TRUE(wrong.ok());
  auto fail = (*wrong)->find_pmk("001010000000002");
  ASSERT_FALSE(fail.ok());
  EXPECT_EQ(fail.error().code, Errc::kAuthFailed);
}

TEST_P(StoreTest, CheckKekOpensTheStoredKeysOrNamesTheOneThatDoesNot) {
  SecretBytes other(ByteView(std::vector<std::uint8_t>(32, 0x43)));
  {
    auto empty = open_store(url_, other);  // no keys yet: any KEK passes
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE((*empty)->check_kek().ok());
  }
  const std::string imsi = "001010000000007";
  ASSERT_TRUE(store_->upsert_ue(imsi, {1}, 1).ok());
  ASSERT_TRUE(store_->set_pmk(imsi, 0x1122334455667788ull, random_secret(32)).ok());
  EXPECT_TRUE(store_->check_kek().ok());
  {
    auto wrong = open_store(url_, other);
    ASSERT_TRUE(wrong.ok());
    auto st = (*wrong)->check_kek();
    ASSERT_FALSE(st.ok()) << "a PMK written under another KEK";
    EXPECT_EQ(st.error().code, Errc::kAuthFailed);
    EXPECT_NE(st.error().message.find("PMK of UE " + imsi), std::string::npos) << st.error().message;
  }
  PrukRecord p = pruk(imsi, random_u64_nonzero(), 0);
  ASSERT_TRUE(store_->insert_pruk(p, false, audit_for(p)).ok());
  EXPECT_TRUE(store_->check_kek().ok());
  auto wrong = open_store(url_, other);
  ASSERT_TRUE(wrong.ok());
  auto st = (*wrong)->check_kek();
  ASSERT_FALSE(st.ok()) << "a PRUK written under another KEK";
  EXPECT_EQ(st.error().code, Errc::kAuthFailed);
  EXPECT_NE(st.error().message.find("PRUK "), std::string::npos) << st.error().message;
}

TEST_P(StoreTest, PrukIdsAreUniqueAndNeverZero) {
  ASSERT_TRUE(store_->upsert_ue("001010000000003", {1}, 1).ok());
  ASSERT_TRUE(store_->upsert_ue("001010000000004", {1}, 1).ok());
  auto a = pruk("001010000000003", 0xfedcba9876543210ull);  // high bit set: survives signed storage
  ASSERT_TRUE(store_->insert_pruk(a, false, audit_for(a)).ok());
  auto dup = pruk("001010000000004", 0xfedcba9876543210ull);
  auto st = store_->insert_pruk(dup, false, audit_for(dup));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::kConflict);
  auto zero = pruk("001010000000003", 0);
  EXPECT_EQ(store_->insert_pruk(zero, false, audit_for(zero)).error().code, Errc::kInvalidArgument);
  auto orphan = pruk("999", 5);
  EXPECT_EQ(store_->insert_pruk(orphan, false, audit_for(orphan)).error().code, Errc::kNotFound);

  auto found = store_->find_pruk(0xfedcba9876543210ull);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->imsi, "001010000000003");
  EXPECT_TRUE((*found)->pruk == a.pruk);
  // The failed duplicate left no audit entry behind.
  EXPECT_TRUE(store_->audit_log("001010000000004", 10)->empty());
  EXPECT_EQ(store_->audit_log("001010000000003", 10)->size(), 1u);
}

TEST_P(StoreTest, ReplaceOlderAndUseCount) {
  const std::string imsi = "001010000000005";
  ASSERT_TRUE(store_->upsert_ue(imsi, {1}, 1).ok());
  auto p1 = pruk(imsi, 11, 100), p2 = pruk(imsi, 12, 200), p3 = pruk(imsi, 13, 300);
  ASSERT_TRUE(store_->insert_pruk(p1, false, audit_for(p1)).ok());
  ASSERT_TRUE(store_->insert_pruk(p2, false, audit_for(p2)).ok());
  EXPECT_EQ(*store_->pruk_ids(imsi), (std::vector<std::uint64_t>{12, 11}));
  EXPECT_EQ((*store_->latest_pruk(imsi))->pruk_id, 12u);
  ASSERT_TRUE(store_->insert_pruk(p3, true, audit_for(p3)).ok());
  EXPECT_EQ(*store_->pruk_ids(imsi), (std::vector<std::uint64_t>{13}));
  ASSERT_TRUE(store_->record_pruk_use(13).ok());
  ASSERT_TRUE(store_->record_pruk_use(13).ok());
  EXPECT_EQ((*store_->find_pruk(13))->use_count, 2u);
  EXPECT_EQ(store_->record_pruk_use(11).error().code, Errc::kNotFound);
  auto p4 = pruk(imsi, 14, 400);
  ASSERT_TRUE(store_->insert_pruk(p4, false, audit_for(p4)).ok());
  ASSERT_TRUE(store_->remove_ue(imsi).ok());
  EXPECT_FALSE(store_->find_pruk(14)->has_value()) << "removing a UE removes its PRUKs";
}

// Issue 17 defect 1: the verification of PRUK n deleted PRUK n+1, whose MIKEY message was already sent (a UE with two
// Key Requests back to back ended up holding a PRUK the PKMF had forgotten). Only PRUKs issued before the verified one
// go, with the audit entry in the same transaction; the issue order does not depend on time or on the random IDs.
TEST_P(StoreTest, AVerificationDeletesOnlyThePruksIssuedBeforeIt) {
  const std::string imsi = "001010000000006", other = "001010000000007";
  ASSERT_TRUE(store_->upsert_ue(imsi, {1}, 1).ok());
  ASSERT_TRUE(store_->upsert_ue(other, {1}, 1).ok());
  // Issued in this order, all in the same second, IDs deliberately not in issue order.
  for (std::uint64_t id : {0x50ull, 0xf000000000000001ull, 0x30ull, 0x40ull}) {
    auto p = pruk(imsi, id, 500);
    ASSERT_TRUE(store_->insert_pruk(p, false, audit_for(p)).ok());
  }
  auto o = pruk(other, 0x10, 400);
  ASSERT_TRUE(store_->insert_pruk(o, false, audit_for(o)).ok());
  EXPECT_EQ(*store_->pruk_ids(imsi), (std::vector<std::uint64_t>{0x40, 0x30, 0xf000000000000001ull, 0x50}))
      << "newest issued first";
  EXPECT_EQ((*store_->latest_pruk(imsi))->pruk_id, 0x40u);

  const AuditEntry verified{501, "imsi-" + imsi, "verified", "PRUK", "0000000000000030", imsi};
  ASSERT_TRUE(store_->delete_pruks_before(imsi, 0x30, {}, verified).ok());
  EXPECT_EQ(*store_->pruk_ids(imsi), (std::vector<std::uint64_t>{0x40, 0x30})) << "the later PRUK 0x40 stays";
  EXPECT_EQ(store_->audit_log(imsi, 1)->front().action, "verified");
  EXPECT_EQ(*store_->pruk_ids(other), (std::vector<std::uint64_t>{0x10})) << "another UE's PRUKs are untouched";

  // A verification for a PRUK no longer stored deletes nothing (its audit entry is still written).
  ASSERT_TRUE(store_->delete_pruks_before(imsi, 0x50, {}, verified).ok());
  EXPECT_EQ(store_->pruk_ids(imsi)->size(), 2u);
  ASSERT_TRUE(store_->delete_pruks_before(imsi, 0x40, {}, verified).ok());
  EXPECT_EQ(*store_->pruk_ids(imsi), (std::vector<std::uint64_t>{0x40}));

  // Issue order goes on after deletions: a new PRUK is the latest even with an earlier time and a lower ID.
  auto late = pruk(imsi, 0x01, 1);
  ASSERT_TRUE(store_->insert_pruk(late, false, audit_for(late)).ok());
  EXPECT_EQ((*store_->latest_pruk(imsi))->pruk_id, 0x01u);
  ASSERT_TRUE(store_->delete_pruks_before(imsi, 0x01, {}, verified).ok());
  EXPECT_EQ(*store_->pruk_ids(imsi), (std::vector<std::uint64_t>{0x01}));

  // An earlier PRUK named in `keep` (its delivery is still on its way) stays; the others go.
  for (std::uint64_t id : {0x02ull, 0x03ull, 0x04ull}) {
    auto p = pruk(imsi, id, 600);
    ASSERT_TRUE(store_->insert_pruk(p, false, audit_for(p)).ok());
  }
  ASSERT_TRUE(store_->delete_pruks_before(imsi, 0x04, {0x02, 0x777}, verified).ok());
  EXPECT_EQ(*store_->pruk_ids(imsi), (std::vector<std::uint64_t>{0x04, 0x02}));
}

TEST_P(StoreTest, PoolReusesConnectionsAndDropsALostOne) {
  StorePool pool(url_, kek_.clone());
  {
    auto a = pool.acquire();
    ASSERT_TRUE(a.ok()) << a.error().to_string();
    auto b = pool.acquire();  // the first is still leased: a second connection
    ASSERT_TRUE(b.ok());
    EXPECT_NE(&**a, &**b);
    EXPECT_TRUE((*a)->connected());
  }
  EXPECT_EQ(pool.idle(), 2u) << "both connections are given back";
  EXPECT_TRUE(pool.health().connected);
  EXPECT_EQ(pool.health().failovers, 0u);
  EXPECT_EQ(pool.health().server.empty(), GetParam() == "sqlite") << pool.health().server;
  {
    auto c = pool.acquire();
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(pool.idle(), 1u) << "an idle connection is reused";
  }
  if (GetParam() != "postgres") return;
  // The server ends every other session (as on a restart): the pooled connections are lost. The lease that sees
  // it fails once; its connection is not given back and the other idle one (of the same server) is closed with it;
  // the next lease opens a new one.
  const std::string server = pool.health().server;
  {
    auto rw = (*pool.acquire())->read_write();
    ASSERT_TRUE(rw.ok()) << rw.error().to_string();
    EXPECT_TRUE(*rw) << "a primary accepts writes";
  }
  PGconn* admin = PQconnectdb(url_.c_str());
  ASSERT_EQ(PQstatus(admin), CONNECTION_OK);
  PQclear(PQexec(admin,
                 "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                 "WHERE datname = current_database() AND pid <> pg_backend_pid()"));
  PQfinish(admin);
  store_.reset();  // the fixture's connection was ended too
  ASSERT_EQ(pool.idle(), 2u);
  {
    auto lost = pool.acquire();
    ASSERT_TRUE(lost.ok());
    EXPECT_FALSE((*lost)->find_ue("001010000000001").ok()) << "the connection was terminated";
    EXPECT_FALSE((*lost)->connected());
  }
  EXPECT_EQ(pool.idle(), 0u) << "lost connections are not pooled, and the other one of their time is closed";
  EXPECT_FALSE(pool.health().connected);
  auto fresh = pool.acquire();
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE((*fresh)->find_ue("001010000000001").ok());
  EXPECT_TRUE(pool.health().connected);
  EXPECT_EQ(pool.health().server, server);
  EXPECT_EQ(pool.health().failovers, 0u) << "the same server again is no failover";
}

TEST_P(StoreTest, KdLookupReadsRelayPrukAndUeAuthorisationTogether) {
  const std::string imsi = "001010000000006", other = "001010000000007";
  ASSERT_TRUE(store_->upsert_ue(imsi, {0x10, 0x20}, 1).ok());
  ASSERT_TRUE(store_->upsert_ue(other, {0x30}, 1).ok());
  ASSERT_TRUE(store_->upsert_relay("relay-1", {0x10, 0x30}).ok());
  auto p = pruk(imsi, 0xfedcba9876543210ULL);  // top bit set: survives the signed database column
  ASSERT_TRUE(store_->insert_pruk(p, false, audit_for(p)).ok());
  ASSERT_TRUE(store_->record_pruk_use(p.pruk_id).ok());

  auto by_id = store_->lookup_for_kd("relay-1", 0x10, p.pruk_id, "");
  ASSERT_TRUE(by_id.ok()) << by_id.error().to_string();
  EXPECT_TRUE(by_id->relay_known && by_id->relay_serves_rsc && by_id->ue_known && by_id->ue_uses_rsc);
  ASSERT_TRUE(by_id->pruk.has_value());
  EXPECT_EQ(by_id->pruk->pruk_id, p.pruk_id);
  EXPECT_EQ(by_id->pruk->imsi, imsi);
  EXPECT_EQ(by_id->pruk->pruk, p.pruk);
  EXPECT_EQ(by_id->pruk->use_count, 1u);

  // Each flag on its own: relay unknown, relay not for this RSC, UE not for this RSC, PRUK unknown.
  auto unknown_relay = *store_->lookup_for_kd("relay-9", 0x10, p.pruk_id, "");
  EXPECT_FALSE(unknown_relay.relay_known);
  EXPECT_FALSE(unknown_relay.relay_serves_rsc);
  EXPECT_TRUE(unknown_relay.pruk.has_value());
  auto wrong_rsc = *store_->lookup_for_kd("relay-1", 0x20, p.pruk_id, "");
  EXPECT_TRUE(wrong_rsc.relay_known);
  EXPECT_FALSE(wrong_rsc.relay_serves_rsc);
  EXPECT_TRUE(wrong_rsc.ue_uses_rsc);
  auto ue_not_for_rsc = *store_->lookup_for_kd("relay-1", 0x30, p.pruk_id, "");
  EXPECT_TRUE(ue_not_for_rsc.relay_serves_rsc);
  EXPECT_TRUE(ue_not_for_rsc.ue_known);
  EXPECT_FALSE(ue_not_for_rsc.ue_uses_rsc);
  auto no_pruk = *store_->lookup_for_kd("relay-1", 0x10, 0x1234, "");
  EXPECT_TRUE(no_pruk.relay_serves_rsc);
  EXPECT_FALSE(no_pruk.pruk.has_value());
  EXPECT_FALSE(no_pruk.ue_known);

  // By IMSI: no PRUK is read; the UE's own authorisation decides.
  auto by_imsi = *store_->lookup_for_kd("relay-1", 0x30, std::nullopt, other);
  EXPECT_TRUE(by_imsi.relay_serves_rsc && by_imsi.ue_known && by_imsi.ue_uses_rsc);
  EXPECT_FALSE(by_imsi.pruk.has_value());
  auto unknown_imsi = *store_->lookup_for_kd("relay-1", 0x30, std::nullopt, "001019999999999");
  EXPECT_FALSE(unknown_imsi.ue_known);
  EXPECT_FALSE(unknown_imsi.ue_uses_rsc);
}

// The KD batcher's statement (issue 18): every query of a batch gets the answer lookup_for_kd gives it alone, in
// the batch's order, PRUK IDs and IMSIs mixed, a relay ID with the characters a PostgreSQL array literal escapes.
TEST_P(StoreTest, KdBatchLookupAnswersEachQueryAsLookupForKdDoes) {
  const std::string imsi = "001010000000006", other = "001010000000007";
  ASSERT_TRUE(store_->upsert_ue(imsi, {0x10, 0x20}, 1).ok());
  ASSERT_TRUE(store_->upsert_ue(other, {0x30}, 1).ok());
  ASSERT_TRUE(store_->upsert_relay("relay-1", {0x10, 0x30}).ok());
  const std::string odd_relay = "re\"lay\\,{2}";
  ASSERT_TRUE(store_->upsert_relay(odd_relay, {0x10}).ok());
  auto p = pruk(imsi, 0xfedcba9876543210ULL);
  ASSERT_TRUE(store_->insert_pruk(p, false, audit_for(p)).ok());

  const std::vector<KdQuery> queries = {{"relay-1", 0x10, p.pruk_id, ""},
                                        {"relay-9", 0x10, p.pruk_id, ""},
                                        {"relay-1", 0x20, p.pruk_id, ""},
                                        {"relay-1", 0x30, p.pruk_id, ""},
                                        {"relay-1", 0x10, 0x1234, ""},
                                        {"relay-1", 0x30, std::nullopt, other},
                                        {"relay-1", 0x30, std::nullopt, "001019999999999"},
                                        {odd_relay, 0x10, p.pruk_id, ""},
                                        {"relay-1", 0x10, p.pruk_id, ""}};
  auto batch = store_->lookup_for_kd_batch(queries);
  ASSERT_TRUE(batch.ok()) << batch.error().to_string();
  ASSERT_EQ(batch->size(), queries.size());
  for (std::size_t i = 0; i < queries.size(); ++i) {
    SCOPED_TRACE(i);
    const KdQuery& q = queries[i];
    auto one = store_->lookup_for_kd(q.relay_id, q.rsc, q.pruk_id, q.imsi);
    ASSERT_TRUE(one.ok());
    const auto& got = (*batch)[i];
    ASSERT_TRUE(got.ok()) << got.error().to_string();
    EXPECT_EQ(got->relay_known, one->relay_known);
    EXPECT_EQ(got->relay_serves_rsc, one->relay_serves_rsc);
    EXPECT_EQ(got->ue_known, one->ue_known);
    EXPECT_EQ(got->ue_uses_rsc, one->ue_uses_rsc);
    ASSERT_EQ(got->pruk.has_value(), one->pruk.has_value());
    if (got->pruk) {
      EXPECT_EQ(got->pruk->pruk_id, one->pruk->pruk_id);
      EXPECT_EQ(got->pruk->imsi, one->pruk->imsi);
      EXPECT_EQ(got->pruk->pruk, one->pruk->pruk);
    }
  }
  EXPECT_TRUE((*batch)[7]->relay_known && (*batch)[7]->relay_serves_rsc) << "the escaped relay ID";
  auto none = store_->lookup_for_kd_batch({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

// The KD bookkeeping's group commit (on PostgreSQL two statements over arrays): a PRUK used twice counts two, a
// PRUK deleted meanwhile is skipped, every audit entry is written as given and in order.
TEST_P(StoreTest, RecordPrukUsesCountsEachUseAndWritesEveryAuditEntry) {
  const std::string imsi = "001010000000006";
  ASSERT_TRUE(store_->upsert_ue(imsi, {0x10}, 1).ok());
  auto a = pruk(imsi, 0xfedcba9876543210ULL), b = pruk(imsi, 0x11);
  ASSERT_TRUE(store_->insert_pruk(a, false, audit_for(a)).ok());
  ASSERT_TRUE(store_->insert_pruk(b, false, audit_for(b)).ok());
  auto entry = [&](std::int64_t at, const std::string& actor) {
    return AuditEntry{at, actor, "derive", "KD", "k", imsi};
  };
  std::vector<std::pair<std::uint64_t, AuditEntry>> uses = {{a.pruk_id, entry(101, "relay r1")},
                                                            {b.pruk_id, entry(102, "re\"lay\\{,}")},
                                                            {a.pruk_id, entry(103, "relay r2")},
                                                            {0x999, entry(104, "relay r3")}};
  auto kd_entries = [&] {  // the KD audit entries of the UE ("at actor"), sorted; the audit log outlives a wipe
    std::multiset<std::string> out;
    auto log = store_->audit_log(imsi, 1000);
    EXPECT_TRUE(log.ok());
    if (log.ok())
      for (const auto& e : *log)
        if (e.key_kind == "KD") out.insert(std::to_string(e.at) + " " + e.actor);
    return out;
  };
  const auto before = kd_entries();
  ASSERT_TRUE(store_->record_pruk_uses(uses).ok());
  EXPECT_EQ((*store_->find_pruk(a.pruk_id))->use_count, 2u);
  EXPECT_EQ((*store_->find_pruk(b.pruk_id))->use_count, 1u);
  auto after = kd_entries();
  for (const auto& e : before)
    if (auto it = after.find(e); it != after.end()) after.erase(it);
  EXPECT_EQ(std::vector<std::string>(after.begin(), after.end()),
            (std::vector<std::string>{"101 relay r1", "102 re\"lay\\{,}", "103 relay r2", "104 relay r3"}));
  EXPECT_TRUE(store_->record_pruk_uses({}).ok());
}

// Two PKMFs flushing their KD bookkeeping at once, the same PRUKs in opposite orders: no deadlock (PostgreSQL; the
// rows are locked in PRUK ID order), every use counted.
TEST_P(StoreTest, RecordPrukUsesFromTwoConnectionsAtOnceDoesNotDeadlock) {
  if (GetParam() != "postgres") GTEST_SKIP() << "SQLite has one writer at a time";
  const std::string imsi = "001010000000016";
  ASSERT_TRUE(store_->upsert_ue(imsi, {0x10}, 1).ok());
  std::vector<std::pair<std::uint64_t, AuditEntry>> uses;
  for (std::uint64_t id = 1; id <= 200; ++id) {
    auto p = pruk(imsi, id);
    ASSERT_TRUE(store_->insert_pruk(p, false, audit_for(p)).ok());
    uses.push_back({id, AuditEntry{1, "relay r1", "derive", "KD", "k", imsi}});
  }
  auto reversed = uses;
  std::reverse(reversed.begin(), reversed.end());
  constexpr int kRounds = 20;
  std::atomic<int> failures{0};
  auto flusher = [&](const std::vector<std::pair<std::uint64_t, AuditEntry>>& order) {
    auto s = open_store(url_, kek_);
    if (!s.ok()) {
      ++failures;
      return;
    }
    for (int i = 0; i < kRounds; ++i)
      if (!(*s)->record_pruk_uses(order).ok()) ++failures;
  };
  std::thread a(flusher, std::cref(uses)), b(flusher, std::cref(reversed));
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ((*store_->find_pruk(1))->use_count, 2u * kRounds);
  EXPECT_EQ((*store_->find_pruk(200))->use_count, 2u * kRounds);
}

TEST_P(StoreTest, PruksSurviveReopen) {
  const std::string imsi = "001010000000006";
  ASSERT_TRUE(store_->upsert_ue(imsi, {1}, 1).ok());
  std::vector<PrukRecord> issued;
  for (int i = 0; i < 20; ++i) {
    issued.push_back(pruk(imsi, random_u64_nonzero(), i));
    ASSERT_TRUE(store_->insert_pruk(issued.back(), false, audit_for(issued.back())).ok());
  }
  store_ = reopen();
  for (const auto& p : issued) {
    auto got = store_->find_pruk(p.pruk_id);
    ASSERT_TRUE(got.ok() && got->has_value());
    EXPECT_TRUE((*got)->pruk == p.pruk);
  }
}

TEST_P(StoreTest, RelaysAndBulkImport) {
  ASSERT_TRUE(store_->upsert_relay("relay-1", {1, 2}).ok());
  ASSERT_TRUE(store_->upsert_relay("relay-2", {3}).ok());
  EXPECT_EQ((*store_->find_relay("relay-1"))->relay_service_codes, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(store_->list_relays()->size(), 2u);
  ASSERT_TRUE(store_->remove_relay("relay-2").ok());
  EXPECT_FALSE(store_->find_relay("relay-2")->has_value());

  std::vector<std::pair<std::string, std::vector<std::uint32_t>>> ues;
  for (int i = 0; i < 2500; ++i) ues.push_back({"0010100" + std::to_string(10000000 + i), {1}});
  std::vector<std::size_t> progress;
  ASSERT_TRUE(store_->bulk_upsert_ues(ues, 5, [&](std::size_t n) { progress.push_back(n); }).ok());
  EXPECT_EQ(progress, (std::vector<std::size_t>{1000, 2000, 2500}));
  EXPECT_EQ(*store_->count_ues(), 2500u);
  // A bad row rolls the whole import back.
  ues.push_back({"bad", {0x2000000}});
  ues[0].first = "0010109999999999";
  EXPECT_FALSE(store_->bulk_upsert_ues(ues, 6, nullptr).ok());
  EXPECT_EQ(*store_->count_ues(), 2500u);
  EXPECT_FALSE(store_->find_ue("0010109999999999")->has_value());
}

TEST_P(StoreTest, ConcurrentIssuersNeverShareAPrukId) {
  const std::string imsi = "001010000000007";
  ASSERT_TRUE(store_->upsert_ue(imsi, {1}, 1).ok());
  // Every thread has its own connection, like separate PKMF workers or processes, and they all try the same
  // small ID space so collisions are certain; each must be refused, never overwritten.
  constexpr int kThreads = 4, kPerThread = 25;
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  std::vector<std::vector<std::uint64_t>> won(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto s = open_store(url_, kek_);
      ASSERT_TRUE(s.ok());
      for (std::uint64_t id = 1; id <= kPerThread; ++id) {
        auto rec = pruk(imsi, id);
        auto st = (*s)->insert_pruk(rec, false, audit_for(rec));
        if (st.ok())
          won[t].push_back(id);
        else if (st.error().code == Errc::kConflict)
          ++conflicts;
        else
          ADD_FAILURE() << st.error().to_string();
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::uint64_t> all;
  std::size_t total = 0;
  for (const auto& w : won) {
    total += w.size();
    all.insert(w.begin(), w.end());
  }
  EXPECT_EQ(total, static_cast<std::size_t>(kPerThread));
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kPerThread));
  EXPECT_EQ(conflicts.load(), (kThreads - 1) * kPerThread);
  EXPECT_EQ(store_->pruk_ids(imsi)->size(), static_cast<std::size_t>(kPerThread));
}

// --- Pending MIKEY deliveries (issue 17 defect 7) -----------------------------------------------------------------

PendingDelivery delivery(std::uint64_t pruk_id, unsigned attempts, std::int64_t next_ms) {
  PendingDelivery d;
  d.pruk_id = pruk_id;
  d.attempts = attempts;
  d.next_attempt_ms = next_ms;
  return d;
}

// A granted PRUK and its pending delivery are written in one transaction; a failed grant leaves neither.
TEST_P(StoreTest, APendingDeliveryIsWrittenWithItsPrukOrNotAtAll) {
  const std::string imsi = "001010000000020", other = "001010000000021";
  ASSERT_TRUE(store_->upsert_ue(imsi, {1}, 1).ok());
  ASSERT_TRUE(store_->upsert_ue(other, {1}, 1).ok());
  auto a = pruk(imsi, 0xf000000000000021ull);  // high bit set: survives signed storage
  ASSERT_TRUE(store_->insert_pruk_with_delivery(a, delivery(a.pruk_id, 1, 1000), audit_for(a)).ok());
  auto rows = store_->pending_deliveries();
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].pruk_id, a.pruk_id);
  EXPECT_EQ((*rows)[0].imsi, imsi) << "read from the PRUK";
  EXPECT_EQ((*rows)[0].attempts, 1u);
  EXPECT_EQ((*rows)[0].next_attempt_ms, 1000);
  EXPECT_TRUE((*store_->find_pruk(a.pruk_id))->pruk == a.pruk);

  auto dup = pruk(other, a.pruk_id);
  EXPECT_EQ(store_->insert_pruk_with_delivery(dup, delivery(dup.pruk_id, 1, 5), audit_for(dup)).error().code,
            Errc::kConflict);
  auto orphan = pruk("999", 0x22);
  EXPECT_EQ(store_->insert_pruk_with_delivery(orphan, delivery(0x22, 1, 5), audit_for(orphan)).error().code,
            Errc::kNotFound);
  auto mismatch = pruk(other, 0x23);
  EXPECT_EQ(store_->insert_pruk_with_delivery(mismatch, delivery(0x24, 1, 5), audit_for(mismatch)).error().code,
            Errc::kInvalidArgument);
  EXPECT_FALSE(store_->find_pruk(0x23)->has_value());
  EXPECT_TRUE(store_->audit_log(other, 10)->empty()) << "failed grants leave no audit entry";
  rows = store_->pending_deliveries();
  ASSERT_EQ(rows->size(), 1u) << "failed grants leave no delivery";
  EXPECT_EQ((*rows)[0].next_attempt_ms, 1000) << "and the existing one is untouched";
  // The raw database never holds the PRUK in clear, in the PRUK's row or in the delivery's.
  if (GetParam() == "sqlite") {
    store_.reset();
    for (const char* suffix : {"", "-wal"}) {
      std::ifstream f(url_.substr(7) + suffix, std::ios::binary);
      std::string raw((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      EXPECT_EQ(raw.find(std::string(reinterpret_cast<const char*>(a.pruk.data()), a.pruk.size())), std::string::npos);
    }
  }
}

// The PKMF's /metrics shows these counts (prose_pkmf_store_rows), on both backends.
TEST_P(StoreTest, RowCountsOfTheWatchedTables) {
  auto empty = store_->row_counts();
  ASSERT_TRUE(empty.ok()) << empty.error().to_string();
  const std::vector<std::pair<std::string, std::uint64_t>> none{
      {"ue", 0}, {"relay", 0}, {"pruk", 0}, {"mikey_delivery", 0}, {"psdk", 0}};
  EXPECT_EQ(*empty, none);
  const std::string imsi = "001010000000030";
  ASSERT_TRUE(store_->upsert_ue(imsi, {1}, 1).ok());
  ASSERT_TRUE(store_->upsert_ue("001010000000031", {1}, 1).ok());
  ASSERT_TRUE(store_->upsert_relay("r1", {1}).ok());
  auto a = pruk(imsi, 0x31), b = pruk(imsi, 0x32);
  ASSERT_TRUE(store_->insert_pruk_with_delivery(a, delivery(a.pruk_id, 1, 1000), audit_for(a)).ok());
  ASSERT_TRUE(store_->insert_pruk(b, false, audit_for(b)).ok());
  auto counts = store_->row_counts();
  ASSERT_TRUE(counts.ok()) << counts.error().to_string();
  const std::vector<std::pair<std::string, std::uint64_t>> want{
      {"ue", 2}, {"relay", 1}, {"pruk", 2}, {"mikey_delivery", 1}, {"psdk", 0}};
  EXPECT_EQ(*counts, want);
}

// Progress, claims and the ends of a delivery: verification (with the PRUKs it deletes), giving up, removing the UE.
TEST_P(StoreTest, PendingDeliveriesAreClaimedOnceAndEndWithTheirPruk) {
  const std::string imsi = "001010000000022";
  ASSERT_TRUE(store_->upsert_ue(imsi, {1}, 1).ok());
  for (std::uint64_t id : {0x31ull, 0x32ull, 0x33ull}) {
    auto p = pruk(imsi, id);
    ASSERT_TRUE(
        store_->insert_pruk_with_delivery(p, delivery(id, 1, 1000 + static_cast<std::int64_t>(id)), audit_for(p)).ok());
  }
  ASSERT_TRUE(store_->record_delivery_progress({delivery(0x31, 3, 5000), delivery(0x99, 2, 1)}).ok())
      << "a delivery that ended meanwhile is no error";
  // 0x32 (due 1050) and 0x33 (due 1051) are stale before 2000; 0x31 (due 5000) is not.
  auto none = store_->claim_stale_deliveries(1050, 9000, 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty()) << "due exactly at the limit is not stale";
  auto first = store_->claim_stale_deliveries(2000, 9000, 1);
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  ASSERT_EQ(first->size(), 1u) << "at most `limit`";
  EXPECT_EQ((*first)[0].pruk_id, 0x32u) << "oldest first";
  EXPECT_EQ((*first)[0].attempts, 2u) << "the resuming send is counted";
  EXPECT_EQ((*first)[0].next_attempt_ms, 9000);
  EXPECT_EQ((*first)[0].imsi, imsi);
  auto second = store_->claim_stale_deliveries(2000, 9000, 10);
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ((*second)[0].pruk_id, 0x33u);
  EXPECT_TRUE(store_->claim_stale_deliveries(2000, 9000, 10)->empty()) << "claimed ones are not claimed again";

  ASSERT_TRUE(store_->delete_delivery(0x33).ok());
  ASSERT_TRUE(store_->delete_delivery(0x33).ok()) << "absent is no error";
  EXPECT_TRUE(store_->find_pruk(0x33)->has_value()) << "ending a delivery keeps the PRUK";

  // Verifying 0x32 ends 0x32's delivery but keeps 0x31: issued before it, its delivery is still pending and may
  // reach the UE after 0x32 (the UE keeps the PRUK it received last).
  auto p4 = pruk(imsi, 0x34);
  ASSERT_TRUE(store_->insert_pruk_with_delivery(p4, delivery(0x34, 1, 7000), audit_for(p4)).ok());
  const AuditEntry verified{2, "imsi-" + imsi, "verified", "PRUK", "32", imsi};
  ASSERT_TRUE(store_->delete_pruks_before(imsi, 0x32, {}, verified).ok());
  auto pending_ids = [&] {
    std::vector<std::uint64_t> ids;
    auto rows = store_->pending_deliveries();
    EXPECT_TRUE(rows.ok());
    if (rows.ok())
      for (const auto& d : *rows) ids.push_back(d.pruk_id);
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  EXPECT_EQ(pending_ids(), (std::vector<std::uint64_t>{0x31, 0x34})) << "the verified PRUK's delivery is over";
  EXPECT_EQ(*store_->pruk_ids(imsi), (std::vector<std::uint64_t>{0x34, 0x33, 0x32, 0x31}))
      << "an earlier PRUK with a pending delivery stays";
  // Once 0x31's delivery has ended (given up), a verification deletes it with its row.
  ASSERT_TRUE(store_->delete_delivery(0x31).ok());
  ASSERT_TRUE(store_->delete_pruks_before(imsi, 0x32, {}, verified).ok());
  EXPECT_EQ(*store_->pruk_ids(imsi), (std::vector<std::uint64_t>{0x34, 0x33, 0x32}));
  EXPECT_EQ(pending_ids(), (std::vector<std::uint64_t>{0x34}))
      << "the delivery of the PRUK issued after the verified one goes on";
  ASSERT_TRUE(store_->remove_ue(imsi).ok());
  EXPECT_TRUE(store_->pending_deliveries()->empty()) << "removing the UE removes its deliveries";
}

// Several PKMFs sharing the store look for stale deliveries at the same time: each is taken over by exactly one.
TEST_P(StoreTest, ConcurrentClaimsTakeEveryStaleDeliveryExactlyOnce) {
  const std::string imsi = "001010000000023";
  ASSERT_TRUE(store_->upsert_ue(imsi, {1}, 1).ok());
  constexpr int kDeliveries = 60, kThreads = 4;
  for (int i = 1; i <= kDeliveries; ++i) {
    auto p = pruk(imsi, 0x1000 + static_cast<std::uint64_t>(i));
    ASSERT_TRUE(store_->insert_pruk_with_delivery(p, delivery(p.pruk_id, 1, i), audit_for(p)).ok());
  }
  std::vector<std::vector<std::uint64_t>> took(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto s = open_store(url_, kek_);
      ASSERT_TRUE(s.ok());
      for (;;) {
        auto got = (*s)->claim_stale_deliveries(1000, 50000, 7);
        if (!got.ok() && got.error().code == Errc::kTimeout) continue;  // SQLite: another claimer holds the lock
        ASSERT_TRUE(got.ok()) << got.error().to_string();
        if (got->empty()) break;
        for (const auto& d : *got) took[t].push_back(d.pruk_id);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::uint64_t> all;
  std::size_t total = 0;
  for (const auto& ids : took) {
    total += ids.size();
    all.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(total, static_cast<std::size_t>(kDeliveries)) << "none taken twice";
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kDeliveries)) << "none left behind";
  auto rows = store_->pending_deliveries();
  ASSERT_TRUE(rows.ok());
  for (const auto& d : *rows) EXPECT_EQ(d.attempts, 2u);
}

// --- PSDKs ------------------------------------------------------------------------------------------------------

// A Relay Service Code no other test (or earlier run on the same PostgreSQL) uses.
std::uint32_t fresh_rsc() { return (random_u32() & 0xfffffe) | 1; }

PsdkRecord psdk(std::uint32_t rsc, std::uint64_t generation, std::int64_t at, std::int64_t lifetime = 1000) {
  PsdkRecord r;
  r.rsc = rsc;
  r.generation = generation;
  r.psdk_id = random_u32() | 1;
  r.psdk = random_secret(32);
  r.created_at = at;
  r.expires_at = at + lifetime;
  return r;
}
AuditEntry psdk_audit(const PsdkRecord& r) {
  return AuditEntry{r.created_at, "relay-r1", "create", "PSDK", std::to_string(r.psdk_id), psdk_audit_subject(r.rsc)};
}
std::vector<std::uint64_t> generations_of(Store& s, std::uint32_t rsc) {
  std::vector<std::uint64_t> gens;
  auto all = s.list_psdks();
  EXPECT_TRUE(all.ok());
  for (const auto& p : *all) {
    EXPECT_TRUE(p.psdk.empty()) << "list_psdks never decrypts";
    if (p.rsc == rsc) gens.push_back(p.generation);
  }
  return gens;
}

TEST_P(StoreTest, PsdkInsertIfAbsentKeepsTheFirstOfAGenerationAndRotates) {
  const std::uint32_t rsc = fresh_rsc();
  EXPECT_FALSE(store_->current_psdk(rsc)->has_value());
  auto a = psdk(rsc, 1, 100);
  auto first = store_->insert_psdk_if_absent(a, psdk_audit(a));
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->current.psdk_id, a.psdk_id);
  EXPECT_TRUE(first->current.psdk == a.psdk);

  // Another PKMF that raced for generation 1 with its own key gets the stored one back and writes nothing.
  auto loser = psdk(rsc, 1, 101);
  auto second = store_->insert_psdk_if_absent(loser, psdk_audit(loser));
  ASSERT_TRUE(second.ok()) << second.error().to_string();
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->current.psdk_id, a.psdk_id);
  EXPECT_TRUE(second->current.psdk == a.psdk);
  EXPECT_EQ(second->current.created_at, 100);
  EXPECT_EQ(second->current.expires_at, a.expires_at);
  EXPECT_EQ(store_->audit_log(psdk_audit_subject(rsc), 10)->size(), 1u) << "only the creation is audited";

  // The next generation becomes current; the previous one stays while unexpired.
  auto b = psdk(rsc, 2, 500);
  auto next = store_->insert_psdk_if_absent(b, psdk_audit(b));
  ASSERT_TRUE(next.ok() && next->created);
  auto cur = store_->current_psdk(rsc);
  ASSERT_TRUE(cur.ok() && cur->has_value());
  EXPECT_EQ((*cur)->generation, 2u);
  EXPECT_TRUE((*cur)->psdk == b.psdk);
  EXPECT_EQ(generations_of(*store_, rsc), (std::vector<std::uint64_t>{1, 2}));

  // Generation 3, created after generation 1 expired, deletes generation 1 (audited) and keeps 2.
  auto c = psdk(rsc, 3, 1200);
  ASSERT_TRUE(store_->insert_psdk_if_absent(c, psdk_audit(c))->created);
  EXPECT_EQ(generations_of(*store_, rsc), (std::vector<std::uint64_t>{2, 3}));
  auto log = store_->audit_log(psdk_audit_subject(rsc), 10);
  ASSERT_EQ(log->size(), 4u);
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", a.psdk_id);
  EXPECT_EQ(log->at(0).action, "delete-expired");
  EXPECT_EQ(log->at(0).key_id, hex);

  // delete_expired_psdks never deletes an RSC's current PSDK, even an expired one: the next generation is
  // numbered from it.
  auto removed = store_->delete_expired_psdks(1'000'000);
  ASSERT_TRUE(removed.ok());
  EXPECT_GE(*removed, 1u);
  EXPECT_EQ(generations_of(*store_, rsc), (std::vector<std::uint64_t>{3}));
  EXPECT_TRUE((*store_->current_psdk(rsc))->psdk == c.psdk);
}

TEST_P(StoreTest, PsdkBadInputIsRefusedAndChangesNothing) {
  const std::uint32_t rsc = fresh_rsc();
  auto good = psdk(rsc, 1, 100);
  ASSERT_TRUE(store_->insert_psdk_if_absent(good, psdk_audit(good)).ok());
  auto code_of = [&](const std::function<void(PsdkRecord&)>& spoil) {
    auto r = psdk(rsc, 2, 200);
    spoil(r);
    auto res = store_->insert_psdk_if_absent(r, psdk_audit(r));
    return res.ok() ? Errc::kInternal : res.error().code;
  };
  EXPECT_EQ(code_of([](PsdkRecord& r) { r.psdk_id = 0; }), Errc::kInvalidArgument);
  EXPECT_EQ(code_of([](PsdkRecord& r) { r.generation = 0; }), Errc::kInvalidArgument);
  EXPECT_EQ(code_of([](PsdkRecord& r) { r.rsc = 0x1000000; }), Errc::kInvalidArgument);
  EXPECT_EQ(code_of([](PsdkRecord& r) { r.psdk = SecretBytes(); }), Errc::kInvalidArgument);
  EXPECT_EQ(code_of([](PsdkRecord& r) { r.expires_at = r.created_at; }), Errc::kInvalidArgument);
  // A PSDK ID in use (here by generation 1) is a conflict: the caller draws another.
  EXPECT_EQ(code_of([&](PsdkRecord& r) { r.psdk_id = good.psdk_id; }), Errc::kConflict);
  EXPECT_EQ(generations_of(*store_, rsc), (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(store_->audit_log(psdk_audit_subject(rsc), 10)->size(), 1u);
  EXPECT_TRUE(store_->audit_many({}).ok());
}

TEST_P(StoreTest, PsdkIsEncryptedAtRestAndBoundToItsRow) {
  const std::uint32_t rsc = fresh_rsc();
  auto a = psdk(rsc, 1, 100);
  ASSERT_TRUE(store_->insert_psdk_if_absent(a, psdk_audit(a)).ok());
  if (GetParam() == "sqlite") {
    store_.reset();
    std::string path = url_.substr(7);
    for (const char* suffix : {"", "-wal"}) {
      std::ifstream f(path + suffix, std::ios::binary);
      std::string raw((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      std::string needle(reinterpret_cast<const char*>(a.psdk.data()), a.psdk.size());
      EXPECT_EQ(raw.find(needle), std::string::npos) << path << suffix;
    }
    // An edited expiry no longer opens: the blob is bound to rsc, generation, ID, creation and expiry.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "UPDATE psdk SET expires_at = expires_at + 86400", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
    store_ = reopen();
    auto tampered = store_->current_psdk(rsc);
    ASSERT_FALSE(tampered.ok());
    EXPECT_EQ(tampered.error().code, Errc::kAuthFailed);
    return;
  }
  store_.reset();
  SecretBytes other(ByteView(std::vector<std::uint8_t>(32, 0x43)));
  auto wrong = open_store(url_, other);
  ASSERT_TRUE(wrong.ok());
  auto fail = (*wrong)->current_psdk(rsc);
  ASSERT_FALSE(fail.ok());
  EXPECT_EQ(fail.error().code, Errc::kAuthFailed);
}

TEST_P(StoreTest, ConcurrentPsdkCreationFromSeveralStoresGivesOnePsdk) {
  // Every thread has its own connection (like two PKMF processes on one database) and runs the PKMF's algorithm:
  // read the current PSDK, and when there is none or it has expired insert the next generation if absent. All
  // must end up with the same PSDK for each round, and the store must hold one row per generation.
  const std::uint32_t rsc = fresh_rsc();
  constexpr int kThreads = 4, kRounds = 5;
  std::atomic<int> ready{0};
  for (int round = 0; round < kRounds; ++round) {
    const std::int64_t now = 1000 + round * 2000;  // each round's PSDK lives 1000 s: the next round renews
    std::vector<std::optional<PsdkRecord>> got(kThreads);
    std::vector<int> created(kThreads, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        auto s = open_store(url_, kek_);
        ready.fetch_add(1);
        while (ready.load() < kThreads * (round + 1)) std::this_thread::yield();  // all read at once
        ASSERT_TRUE(s.ok()) << s.error().to_string();
        auto cur = (*s)->current_psdk(rsc);
        ASSERT_TRUE(cur.ok()) << cur.error().to_string();
        if (cur->has_value() && now < (*cur)->expires_at) {
          got[t] = std::move(**cur);
          return;
        }
        auto rec = psdk(rsc, cur->has_value() ? (*cur)->generation + 1 : 1, now);
        auto res = (*s)->insert_psdk_if_absent(rec, psdk_audit(rec));
        ASSERT_TRUE(res.ok()) << res.error().to_string();
        created[t] = res->created;
        got[t] = std::move(res->current);
      });
    }
    for (auto& th : threads) th.join();
    int total_created = 0;
    for (int t = 0; t < kThreads; ++t) {
      ASSERT_TRUE(got[t].has_value());
      EXPECT_EQ(got[t]->generation, static_cast<std::uint64_t>(round + 1));
      EXPECT_EQ(got[t]->psdk_id, got[0]->psdk_id);
      EXPECT_TRUE(got[t]->psdk == got[0]->psdk);
      total_created += created[t];
    }
    EXPECT_EQ(total_created, 1) << "round " << round;
  }
  // One row per unexpired generation (the expired ones were deleted by the next creation).
  EXPECT_EQ(generations_of(*store_, rsc), (std::vector<std::uint64_t>{kRounds}));
}

std::uint64_t rows_in(const StoreCheck& c, const std::string& table) {
  for (const auto& [t, n] : c.rows)
    if (t == table) return n;
  ADD_FAILURE() << "no table " << table;
  return 0;
}

TEST_P(StoreTest, CheckPassesASoundStoreAndItsDigestFollowsTheContent) {
  ASSERT_TRUE(store_->upsert_ue("001010000000031", {0xabcd}, 1).ok());
  ASSERT_TRUE(store_->upsert_relay("r31", {0xabcd}).ok());
  ASSERT_TRUE(store_->set_pmk("001010000000031", 77, random_secret(32)).ok());
  auto p = pruk("001010000000031", 0x3131313131313131ull);
  ASSERT_TRUE(store_->insert_pruk(p, false, audit_for(p)).ok());
  auto d = psdk(fresh_rsc(), 1, 100);
  ASSERT_TRUE(store_->insert_psdk_if_absent(d, psdk_audit(d)).ok());

  auto c = store_->check();
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_TRUE(c->ok()) << c->problems.front();
  EXPECT_EQ(c->digest.size(), 64u);
  EXPECT_GE(rows_in(*c, "pruk"), 1u);
  EXPECT_GE(rows_in(*c, "audit"), 2u);
  // The same content, read again and through another connection: the same digest.
  EXPECT_EQ(store_->check()->digest, c->digest);
  EXPECT_EQ(reopen()->check()->digest, c->digest);
  // Any change to any row changes it: a use count, an audit row.
  ASSERT_TRUE(store_->record_pruk_use(p.pruk_id).ok());
  auto used = store_->check();
  EXPECT_NE(used->digest, c->digest);
  ASSERT_TRUE(store_->audit(AuditEntry{5, "admin", "x", "PRUK", "1", "001010000000031"}).ok());
  EXPECT_NE(store_->check()->digest, used->digest);
  EXPECT_EQ(rows_in(*store_->check(), "audit"), rows_in(*used, "audit") + 1);
}

TEST_P(StoreTest, CheckNamesKeysThatDoNotOpenWithoutShowingThem) {
  ASSERT_TRUE(store_->upsert_ue("001010000000032", {0xabcd}, 1).ok());
  SecretBytes pmk = random_secret(32);
  ASSERT_TRUE(store_->set_pmk("001010000000032", 78, pmk).ok());
  auto p = pruk("001010000000032", 0x3232323232323232ull);
  ASSERT_TRUE(store_->insert_pruk(p, false, audit_for(p)).ok());
  store_.reset();
  auto wrong = open_store(url_, SecretBytes(ByteView(std::vector<std::uint8_t>(32, 0x43))));
  ASSERT_TRUE(wrong.ok());
  auto c = (*wrong)->check();
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  ASSERT_FALSE(c->ok());
  std::string all;
  for (const auto& line : c->problems) all += line + "\n";
  EXPECT_NE(all.find("PRUK 3232323232323232 of UE 001010000000032: key does not open"), std::string::npos) << all;
  EXPECT_NE(all.find("PMK of UE 001010000000032: key does not open"), std::string::npos) << all;
  EXPECT_EQ(all.find(p.pruk.reveal_hex()), std::string::npos);
  EXPECT_EQ(all.find(pmk.reveal_hex()), std::string::npos);
}

TEST_P(StoreTest, CheckFindsRowsLeftWithoutTheirUe) {
  if (GetParam() != "sqlite") GTEST_SKIP() << "PostgreSQL enforces its foreign keys";
  ASSERT_TRUE(store_->upsert_ue("001010000000033", {0xabcd}, 1).ok());
  auto p = pruk("001010000000033", 0x3333333333333333ull);
  ASSERT_TRUE(store_->insert_pruk(p, false, audit_for(p)).ok());
  store_.reset();
  const std::string path = url_.substr(7);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  // What a crash cannot do but an operator's hand can: a PRUK left behind by a UE deleted without its keys.
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA foreign_keys = OFF; DELETE FROM ue WHERE imsi = '001010000000033'", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  store_ = reopen();
  auto c = store_->check();
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  std::string all;
  for (const auto& line : c->problems) all += line + "\n";
  EXPECT_NE(all.find("table pruk: a row refers to a missing ue row"), std::string::npos) << all;
  EXPECT_NE(all.find("table ue_rsc: a row refers to a missing ue row"), std::string::npos) << all;
}

// Issue 17 (defect 11): the audit table no longer grows forever; retention deletes the oldest entries in batches.
TEST_P(StoreTest, PruneAuditDeletesOnlyEntriesOlderThanTheCutoffInBatches) {
  // The PostgreSQL database is shared by every test: start from an empty audit table.
  while (true) {
    auto n = store_->prune_audit(std::numeric_limits<std::int64_t>::max(), 100000);
    ASSERT_TRUE(n.ok()) << n.error().to_string();
    if (*n == 0) break;
  }
  const std::string subject = "001010000000077";
  std::vector<AuditEntry> entries;
  for (std::int64_t at : {1000, 1001, 1002, 1003, 4999, 5000, 9000})
    entries.push_back(AuditEntry{at, "relay-r1", "derive", "KD", std::to_string(at), subject});
  ASSERT_TRUE(store_->audit_many(entries).ok());
  ASSERT_TRUE(store_->audit(AuditEntry{10, "pkmf", "create", "PSDK", "old-other", "rsc-000001"}).ok());

  EXPECT_EQ(store_->prune_audit(5000, 0).error().code, Errc::kInvalidArgument);
  std::vector<std::size_t> batches;
  for (;;) {
    auto n = store_->prune_audit(5000, 2);
    ASSERT_TRUE(n.ok()) << n.error().to_string();
    batches.push_back(*n);
    if (*n < 2) break;
  }
  // Six entries are older than 5000 (the other subject's too), deleted oldest first, two at a time.
  EXPECT_EQ(batches, (std::vector<std::size_t>{2, 2, 2, 0}));
  auto left = store_->audit_log(subject, 100);
  ASSERT_TRUE(left.ok());
  std::vector<std::int64_t> ats;
  for (const auto& e : *left) ats.push_back(e.at);
  EXPECT_EQ(ats, (std::vector<std::int64_t>{9000, 5000}));  // newest first; `at == cutoff` is kept
  EXPECT_TRUE(store_->audit_log("rsc-000001", 10)->empty());
  // Retention survives a reopen (the schema has its index) and a second pass finds nothing.
  auto again = reopen();
  EXPECT_EQ(*again->prune_audit(5000, 100), 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

TEST(StoreOpen, RejectsBadKekAndBadPath) {
  EXPECT_EQ(open_store("sqlite:/tmp/x.db", SecretBytes(16)).error().code, Errc::kInvalidArgument);
  SecretBytes kek(32);
  auto st = open_store("sqlite:/nonexistent-dir/x/y.db", kek);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::kIo);
  auto pg = open_store("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2", kek);
  ASSERT_FALSE(pg.ok());
  EXPECT_EQ(pg.error().code, Errc::kIo);
}

}  // namespace
}  // namespace prose::store

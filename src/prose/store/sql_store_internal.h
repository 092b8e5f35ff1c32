// Internal to the store module: the Store interface written once over Db (sql_store*.cpp, one file per group of
// tables); the dialects differ only in the schema text.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "prose/store/db.h"
#include "prose/store/store.h"
#include "prose/util/secret.h"

namespace prose::store::detail {

// The labels that bind a wrapped key to its row (key_wrap.h).
std::string pruk_label(std::uint64_t id);
// Binds the PSDK blob to everything in its row: a blob moved to another RSC or generation, or an edited expiry,
// fails to open.
std::string psdk_label(const PsdkRecord& r);
std::string pmk_label(const std::string& imsi, std::uint64_t pmk_id);
inline std::int64_t as_db(std::uint64_t v) { return static_cast<std::int64_t>(v); }
inline std::uint64_t from_db(std::int64_t v) { return static_cast<std::uint64_t>(v); }

// Runs `body` in one transaction; rolls back on any error.
template <typename F>
auto in_transaction(Db& db, F&& body) -> decltype(body()) {
  auto st = db.begin();
  if (!st.ok()) return st.error();
  auto result = body();
  if (!result.ok()) {
    db.rollback();
    return result;
  }
  auto c = db.commit();
  if (!c.ok()) {
    db.rollback();
    return c.error();
  }
  return result;
}

class SqlStore final : public Store {
 public:
  SqlStore(std::unique_ptr<Db> db, SecretBytes kek) : db_(std::move(db)), kek_(std::move(kek)) {}
  std::string backend_name() const override { return db_->dialect() == Dialect::kSqlite ? "sqlite" : "postgresql"; }
  bool connected() const override { return db_->connected(); }
  std::string server() const override { return db_->server(); }
  Result<bool> read_write() override { return db_->read_write(); }

  // --- Monitoring and audit (sql_store.cpp) ---
  int schema_version() override;
  Result<std::vector<std::pair<std::string, std::uint64_t>>> row_counts() override;
  Status audit(const AuditEntry& e) override;
  Status audit_many(const std::vector<AuditEntry>& entries) override;
  Result<std::vector<AuditEntry>> audit_log(const std::string& subject, std::size_t limit) override;
  Result<std::size_t> prune_audit(std::int64_t before, std::size_t max_rows) override;

  // --- UEs, their PMKs, relays (sql_store_ues.cpp) ---
  Status upsert_ue(const std::string& imsi, const std::vector<std::uint32_t>& rscs, std::int64_t now) override;
  Status remove_ue(const std::string& imsi) override;
  Result<std::optional<UeRecord>> find_ue(const std::string& imsi) override;
  Result<std::vector<UeRecord>> list_ues(std::size_t limit, std::size_t offset) override;
  Result<std::uint64_t> count_ues() override;
  Status update_ue_delivery(const std::string& imsi, bool pruk_delivery, const std::optional<std::string>& ip,
                            std::uint16_t port, std::int64_t now) override;
  Status set_key_type_id(const std::string& imsi, std::uint32_t key_type_id) override;
  Status set_pmk(const std::string& imsi, std::uint64_t pmk_id, const SecretBytes& pmk) override;
  Result<std::optional<PmkRecord>> find_pmk(const std::string& imsi) override;
  Status revoke_pmk(const std::string& imsi, const AuditEntry& audit_entry) override;
  Status upsert_relay(const std::string& relay_id, const std::vector<std::uint32_t>& rscs) override;
  Status remove_relay(const std::string& relay_id) override;
  Result<std::optional<RelayRecord>> find_relay(const std::string& relay_id) override;
  Result<std::vector<RelayRecord>> list_relays() override;
  Status bulk_upsert_ues(const std::vector<std::pair<std::string, std::vector<std::uint32_t>>>& ues, std::int64_t now,
                         const std::function<void(std::size_t)>& progress) override;

  // --- PRUKs and pending MIKEY deliveries (sql_store_pruks.cpp) ---
  Status insert_pruk(const PrukRecord& rec, bool replace_older, const AuditEntry& audit_entry) override;
  Status insert_pruk_with_delivery(const PrukRecord& rec, const PendingDelivery& delivery,
                                   const AuditEntry& audit_entry) override;
  Status record_delivery_progress(const std::vector<PendingDelivery>& progress) override;
  Status delete_delivery(std::uint64_t pruk_id) override;
  Result<std::vector<PendingDelivery>> claim_stale_deliveries(std::int64_t stale_before_ms,
                                                              std::int64_t next_attempt_ms, std::size_t limit) override;
  Result<std::vector<PendingDelivery>> pending_deliveries() override;
  Result<std::optional<PrukRecord>> find_pruk(std::uint64_t pruk_id) override;
  Result<KdLookup> lookup_for_kd(const std::string& relay_id, std::uint32_t rsc, std::optional<std::uint64_t> pruk_id,
                                 const std::string& imsi) override;
  Result<std::vector<Result<KdLookup>>> lookup_for_kd_batch(const std::vector<KdQuery>& queries) override;
  Result<std::optional<PrukRecord>> latest_pruk(const std::string& imsi) override;
  Result<std::vector<std::uint64_t>> pruk_ids(const std::string& imsi) override;
  Status record_pruk_use(std::uint64_t pruk_id) override;
  Status bulk_insert_pruks(const std::vector<PrukRecord>& recs) override;
  Status record_pruk_uses(const std::vector<std::pair<std::uint64_t, AuditEntry>>& uses) override;
  Status record_pruk_use_audited(std::uint64_t pruk_id, const AuditEntry& e) override;
  Status delete_pruks_before(const std::string& imsi, std::uint64_t pruk_id, const std::vector<std::uint64_t>& keep,
                             const AuditEntry& audit_entry) override;

  // --- Discovery keys (sql_store_psdks.cpp) ---
  Result<std::optional<PsdkRecord>> current_psdk(std::uint32_t rsc) override { return current_psdk_locked(rsc); }
  Result<PsdkInsertResult> insert_psdk_if_absent(const PsdkRecord& rec, const AuditEntry& audit_entry) override;
  Result<std::vector<PsdkRecord>> list_psdks() override;
  Result<std::size_t> delete_expired_psdks(std::int64_t now) override;

  // --- Integrity (sql_store_check.cpp) ---
  Result<StoreCheck> check() override;
  Status check_kek() override;

 private:
  static constexpr const char* kUeColumns =
      "SELECT imsi, ip_address, mikey_port, pruk_delivery, key_type_id, pmk_id, updated_at FROM ue";
  static constexpr const char* kPrukColumns = "SELECT pruk_id, imsi, pruk, source, created_at, use_count FROM pruk";
  // A UE's PRUKs are numbered in issue order (schema 3); (imsi, issued_seq) is unique.
  static constexpr const char* kInsertPruk =
      "INSERT INTO pruk (pruk_id, imsi, pruk, source, created_at, use_count, issued_seq) "
      "VALUES ($1, $2, $3, $4, $5, $6, (SELECT COALESCE(MAX(issued_seq), 0) + 1 FROM pruk WHERE imsi = $2))";
  static constexpr const char* kDeliveryColumns =
      "SELECT d.pruk_id, p.imsi, d.attempts, d.next_attempt_ms FROM mikey_delivery d JOIN pruk p ON p.pruk_id = "
      "d.pruk_id";
  static constexpr const char* kPsdkColumns = "SELECT rsc, generation, psdk_id, psdk, created_at, expires_at FROM psdk";

  // sql_store.cpp
  Status insert_audit(const AuditEntry& e);

  // sql_store_ues.cpp
  Status upsert_ue_locked(const std::string& imsi, const std::vector<std::uint32_t>& rscs, std::int64_t now);
  Status replace_rscs(const std::string& table, const std::string& key, const std::string& id,
                      const std::vector<std::uint32_t>& rscs);
  Result<std::vector<std::uint32_t>> rscs_of(const std::string& table, const std::string& key, const std::string& id);
  Result<UeRecord> ue_from_row(const SqlRow& row);

  // sql_store_pruks.cpp
  // insert_pruk, and with `delivery` the PRUK's pending MIKEY delivery, in one transaction.
  Status insert_pruk_and(const PrukRecord& rec, bool replace_older, const PendingDelivery* delivery,
                         const AuditEntry& audit_entry);
  Result<PendingDelivery> delivery_from_row(const SqlRow& row);
  Result<PrukRecord> pruk_from_row(const SqlRow& row);
  Status record_pruk_uses_pg(const std::vector<std::pair<std::uint64_t, AuditEntry>>& uses);
  // A row of lookup_for_kd_batch's statement (column 0: the query's number).
  Result<KdLookup> kd_from_row(const SqlRow& row, bool by_pruk_id);

  // sql_store_psdks.cpp
  Result<std::optional<PsdkRecord>> current_psdk_locked(std::uint32_t rsc);
  Status audit_deleted_psdks(const std::vector<SqlRow>& rows, std::uint32_t rsc, std::int64_t at);

  std::unique_ptr<Db> db_;
  SecretBytes kek_;
};

}  // namespace prose::store::detail

// The Store interface written once over Db; the dialects differ only in the schema text.
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>

#include "prose/store/db.h"
#include "prose/store/key_wrap.h"
#include "prose/store/schema.h"
#include "prose/store/store.h"
#include "prose/util/hex.h"

namespace prose::store {
namespace {

std::string pruk_label(std::uint64_t id) { return "pruk:" + to_hex_u64(id); }
// Binds the PSDK blob to everything in its row: a blob moved to another RSC or generation, or an edited expiry,
// fails to open.
std::string psdk_label(const PsdkRecord& r) {
  return "psdk:" + psdk_audit_subject(r.rsc) + ":" + std::to_string(r.generation) + ":" + std::to_string(r.psdk_id) +
         ":" + std::to_string(r.created_at) + ":" + std::to_string(r.expires_at);
}
std::string pmk_label(const std::string& imsi, std::uint64_t pmk_id) {
  return "pmk:" + imsi + ":" + std::to_string(pmk_id);
}
std::int64_t as_db(std::uint64_t v) { return static_cast<std::int64_t>(v); }
std::uint64_t from_db(std::int64_t v) { return static_cast<std::uint64_t>(v); }
constexpr std::size_t kMaxCheckProblems = 100;  // Store::check() lists this many, then counts the rest

using Sha256 = std::array<std::uint8_t, 32>;

// SHA-256 over the parts, each preceded by its length (so that no two sequences of parts hash alike).
class Sha256Builder {
 public:
  Sha256Builder() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) { EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr); }
  void add(const void* data, std::size_t n) {
    std::uint8_t len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(n) >> (56 - 8 * i));
    EVP_DigestUpdate(ctx_.get(), len, sizeof len);
    EVP_DigestUpdate(ctx_.get(), data, n);
  }
  void add(std::string_view s) { add(s.data(), s.size()); }
  Sha256 finish() {
    Sha256 out{};
    unsigned n = 0;
    EVP_DigestFinal_ex(ctx_.get(), out.data(), &n);
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

Sha256 row_hash(const SqlRow& row) {
  Sha256Builder h;
  for (const SqlValue& v : row) {
    std::visit(
        [&h](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::monostate>) {
            h.add("N");
          } else if constexpr (std::is_same_v<T, std::int64_t>) {
            h.add("I");
            h.add(std::to_string(x));
          } else if constexpr (std::is_same_v<T, std::string>) {
            h.add("T");
            h.add(x);
          } else {
            h.add("B");
            h.add(x.data(), x.size());
          }
        },
        v);
  }
  return h.finish();
}

std::string quote_identifier(const std::string& name) {
  std::string q = "\"";
  for (char c : name) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

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
  int schema_version() override {
    auto v = current_schema_version(*db_);
    return v.ok() ? *v : -1;
  }

  Status upsert_ue(const std::string& imsi, const std::vector<std::uint32_t>& rscs, std::int64_t now) override {
    return in_transaction(*db_, [&]() -> Status { return upsert_ue_locked(imsi, rscs, now); });
  }

  Status remove_ue(const std::string& imsi) override {
    return in_transaction(*db_, [&]() -> Status {
      PROSE_TRY(auto rows, db_->query("DELETE FROM ue WHERE imsi = $1 RETURNING imsi", {imsi}));
      if (rows.empty()) return fail(Errc::kNotFound, "no UE with IMSI " + imsi);
      return ok_status();
    });
  }

  Result<std::optional<UeRecord>> find_ue(const std::string& imsi) override {
    PROSE_TRY(auto rows, db_->query(std::string(kUeColumns) + " WHERE imsi = $1", {imsi}));
    if (rows.empty()) return std::optional<UeRecord>{};
    PROSE_TRY(UeRecord ue, ue_from_row(rows[0]));
    PROSE_TRY(ue.relay_service_codes, rscs_of("ue_rsc", "imsi", ue.imsi));
    return std::optional<UeRecord>(std::move(ue));
  }

  Result<std::vector<UeRecord>> list_ues(std::size_t limit, std::size_t offset) override {
    PROSE_TRY(auto rows, db_->query(std::string(kUeColumns) + " ORDER BY imsi LIMIT $1 OFFSET $2",
                                    {static_cast<std::int64_t>(limit), static_cast<std::int64_t>(offset)}));
    std::vector<UeRecord> out;
    for (const auto& row : rows) {
      PROSE_TRY(UeRecord ue, ue_from_row(row));
      PROSE_TRY(ue.relay_service_codes, rscs_of("ue_rsc", "imsi", ue.imsi));
      out.push_back(std::move(ue));
    }
    return out;
  }

  Result<std::uint64_t> count_ues() override {
    PROSE_TRY(auto rows, db_->query("SELECT COUNT(*) FROM ue"));
    PROSE_TRY(std::int64_t n, col_int(rows.at(0), 0));
    return static_cast<std::uint64_t>(n);
  }

  Result<std::vector<std::pair<std::string, std::uint64_t>>> row_counts() override {
    static constexpr const char* kTables[] = {"ue", "relay", "pruk", "mikey_delivery", "psdk"};
    std::string sql = "SELECT ";
    for (const char* t : kTables) sql += std::string(t == kTables[0] ? "" : ", ") + "(SELECT COUNT(*) FROM " + t + ")";
    PROSE_TRY(auto rows, db_->query(sql));
    std::vector<std::pair<std::string, std::uint64_t>> out;
    for (std::size_t i = 0; i < std::size(kTables); ++i) {
      PROSE_TRY(std::int64_t n, col_int(rows.at(0), i));
      out.emplace_back(kTables[i], static_cast<std::uint64_t>(n));
    }
    return out;
  }

  Status update_ue_delivery(const std::string& imsi, bool pruk_delivery, const std::optional<std::string>& ip,
                            std::uint16_t port, std::int64_t now) override {
    return in_transaction(*db_, [&]() -> Status {
      SqlValue ipv = ip ? SqlValue(*ip) : SqlValue(std::monostate{});
      PROSE_TRY(auto rows, db_->query("UPDATE ue SET pruk_delivery = $2, ip_address = COALESCE($3, ip_address), "
                                      "mikey_port = CASE WHEN $4 = 0 THEN mikey_port ELSE $4 END, updated_at = $5 "
                                      "WHERE imsi = $1 RETURNING imsi",
                                      {imsi, std::int64_t{pruk_delivery ? 1 : 0}, ipv, std::int64_t{port}, now}));
      if (rows.empty()) return fail(Errc::kNotFound, "no UE with IMSI " + imsi);
      return ok_status();
    });
  }

  Status set_key_type_id(const std::string& imsi, std::uint32_t key_type_id) override {
    return in_transaction(*db_, [&]() -> Status {
      PROSE_TRY(auto rows, db_->query("UPDATE ue SET key_type_id = $2 WHERE imsi = $1 RETURNING imsi",
                                      {imsi, std::int64_t{key_type_id}}));
      if (rows.empty()) return fail(Errc::kNotFound, "no UE with IMSI " + imsi);
      return ok_status();
    });
  }

  Status set_pmk(const std::string& imsi, std::uint64_t pmk_id, const SecretBytes& pmk) override {
    PROSE_TRY(Bytes blob, wrap_key(kek_, pmk, pmk_label(imsi, pmk_id)));
    return in_transaction(*db_, [&]() -> Status {
      PROSE_TRY(auto rows, db_->query("UPDATE ue SET pmk_id = $2, pmk = $3 WHERE imsi = $1 RETURNING imsi",
                                      {imsi, as_db(pmk_id), blob}));
      if (rows.empty()) return fail(Errc::kNotFound, "no UE with IMSI " + imsi);
      return ok_status();
    });
  }

  Result<std::optional<PmkRecord>> find_pmk(const std::string& imsi) override {
    PROSE_TRY(auto rows, db_->query("SELECT pmk_id, pmk FROM ue WHERE imsi = $1", {imsi}));
    if (rows.empty() || col_null(rows[0], 0) || col_null(rows[0], 1)) return std::optional<PmkRecord>{};
    PmkRecord rec;
    PROSE_TRY(std::int64_t id, col_int(rows[0], 0));
    PROSE_TRY(Bytes blob, col_blob(rows[0], 1));
    rec.pmk_id = from_db(id);
    PROSE_TRY(rec.pmk, unwrap_key(kek_, blob, pmk_label(imsi, rec.pmk_id)));
    return std::optional<PmkRecord>(std::move(rec));
  }

  Status revoke_pmk(const std::string& imsi, const AuditEntry& audit_entry) override {
    return in_transaction(*db_, [&]() -> Status {
      PROSE_TRY(auto rows,
                db_->query("UPDATE ue SET pmk_id = NULL, pmk = NULL WHERE imsi = $1 RETURNING imsi", {imsi}));
      if (rows.empty()) return fail(Errc::kNotFound, "no UE with IMSI " + imsi);
      return insert_audit(audit_entry);
    });
  }

  Status upsert_relay(const std::string& relay_id, const std::vector<std::uint32_t>& rscs) override {
    return in_transaction(*db_, [&]() -> Status {
      PROSE_TRY(auto ins,
                db_->query("INSERT INTO relay (relay_id) VALUES ($1) ON CONFLICT (relay_id) DO NOTHING", {relay_id}));
      (void)ins;
      return replace_rscs("relay_rsc", "relay_id", relay_id, rscs);
    });
  }

  Status remove_relay(const std::string& relay_id) override {
    return in_transaction(*db_, [&]() -> Status {
      PROSE_TRY(auto rows, db_->query("DELETE FROM relay WHERE relay_id = $1 RETURNING relay_id", {relay_id}));
      if (rows.empty()) return fail(Errc::kNotFound, "no relay " + relay_id);
      return ok_status();
    });
  }

  Result<std::optional<RelayRecord>> find_relay(const std::string& relay_id) override {
    PROSE_TRY(auto rows, db_->query("SELECT relay_id FROM relay WHERE relay_id = $1", {relay_id}));
    if (rows.empty()) return std::optional<RelayRecord>{};
    RelayRecord r;
    r.relay_id = relay_id;
    PROSE_TRY(r.relay_service_codes, rscs_of("relay_rsc", "relay_id", relay_id));
    return std::optional<RelayRecord>(std::move(r));
  }

  Result<std::vector<RelayRecord>> list_relays() override {
    PROSE_TRY(auto rows, db_->query("SELECT relay_id FROM relay ORDER BY relay_id"));
    std::vector<RelayRecord> out;
    for (const auto& row : rows) {
      RelayRecord r;
      PROSE_TRY(r.relay_id, col_text(row, 0));
      PROSE_TRY(r.relay_service_codes, rscs_of("relay_rsc", "relay_id", r.relay_id));
      out.push_back(std::move(r));
    }
    return out;
  }

  Status insert_pruk(const PrukRecord& rec, bool replace_older, const AuditEntry& audit_entry) override {
    return insert_pruk_and(rec, replace_older, nullptr, audit_entry);
  }

  Status insert_pruk_with_delivery(const PrukRecord& rec, const PendingDelivery& delivery,
                                   const AuditEntry& audit_entry) override {
    if (delivery.pruk_id != rec.pruk_id) return fail(Errc::kInvalidArgument, "the delivery is for another PRUK");
    return insert_pruk_and(rec, false, &delivery, audit_entry);
  }

  Status record_delivery_progress(const std::vector<PendingDelivery>& progress) override {
    return in_transaction(*db_, [&]() -> Status {
      for (const auto& d : progress) {
        PROSE_TRY(auto rows,
                  db_->query("UPDATE mikey_delivery SET attempts = $2, next_attempt_ms = $3 WHERE pruk_id = $1",
                             {as_db(d.pruk_id), std::int64_t{d.attempts}, d.next_attempt_ms}));
        (void)rows;
      }
      return ok_status();
    });
  }

  Status delete_delivery(std::uint64_t pruk_id) override {
    PROSE_TRY(auto rows, db_->query("DELETE FROM mikey_delivery WHERE pruk_id = $1", {as_db(pruk_id)}));
    (void)rows;
    return ok_status();
  }

  Result<std::vector<PendingDelivery>> claim_stale_deliveries(std::int64_t stale_before_ms,
                                                              std::int64_t next_attempt_ms,
                                                              std::size_t limit) override {
    return in_transaction(*db_, [&]() -> Result<std::vector<PendingDelivery>> {
      // The outer condition is checked again on the row a concurrent claimer may just have updated (PostgreSQL
      // re-reads it before updating; SQLite has one writer): whoever comes second finds it no longer stale.
      PROSE_TRY(auto rows, db_->query("UPDATE mikey_delivery SET attempts = attempts + 1, next_attempt_ms = $2 "
                                      "WHERE next_attempt_ms < $1 AND pruk_id IN (SELECT pruk_id FROM mikey_delivery "
                                      "WHERE next_attempt_ms < $1 ORDER BY next_attempt_ms LIMIT $3) "
                                      "RETURNING pruk_id",
                                      {stale_before_ms, next_attempt_ms, static_cast<std::int64_t>(limit)}));
      std::vector<PendingDelivery> out;
      for (const auto& row : rows) {
        PROSE_TRY(std::int64_t id, col_int(row, 0));
        PROSE_TRY(auto d, db_->query(std::string(kDeliveryColumns) + " WHERE d.pruk_id = $1", {id}));
        if (d.size() != 1) return fail(Errc::kInternal, "claimed MIKEY delivery vanished");
        PROSE_TRY(PendingDelivery pd, delivery_from_row(d[0]));
        out.push_back(std::move(pd));
      }
      std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.pruk_id < b.pruk_id; });
      return out;
    });
  }

  Result<std::vector<PendingDelivery>> pending_deliveries() override {
    PROSE_TRY(auto rows, db_->query(kDeliveryColumns));
    std::vector<PendingDelivery> out;
    for (const auto& row : rows) {
      PROSE_TRY(PendingDelivery pd, delivery_from_row(row));
      out.push_back(std::move(pd));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.pruk_id < b.pruk_id; });
    return out;
  }

  Result<std::optional<PrukRecord>> find_pruk(std::uint64_t pruk_id) override {
    PROSE_TRY(auto rows, db_->query(std::string(kPrukColumns) + " WHERE pruk_id = $1", {as_db(pruk_id)}));
    if (rows.empty()) return std::optional<PrukRecord>{};
    PROSE_TRY(PrukRecord rec, pruk_from_row(rows[0]));
    return std::optional<PrukRecord>(std::move(rec));
  }

  Result<KdLookup> lookup_for_kd(const std::string& relay_id, std::uint32_t rsc, std::optional<std::uint64_t> pruk_id,
                                 const std::string& imsi) override {
    // One statement so that a request costs one round trip (PostgreSQL) or one read transaction (SQLite).
    static constexpr const char* kRelayFlags =
        "CASE WHEN EXISTS (SELECT 1 FROM relay WHERE relay_id = $1) THEN 1 ELSE 0 END, "
        "CASE WHEN EXISTS (SELECT 1 FROM relay_rsc WHERE relay_id = $1 AND rsc = $2) THEN 1 ELSE 0 END, ";
    KdLookup out;
    std::vector<SqlRow> rows;
    if (pruk_id) {
      PROSE_TRY(rows, db_->query(std::string("SELECT ") + kRelayFlags +
                                     "CASE WHEN p.pruk_id IS NULL THEN 0 ELSE 1 END, "
                                     "CASE WHEN EXISTS (SELECT 1 FROM ue_rsc WHERE imsi = p.imsi AND rsc = $2) "
                                     "THEN 1 ELSE 0 END, "
                                     "p.pruk_id, p.imsi, p.pruk, p.source, p.created_at, p.use_count "
                                     "FROM (SELECT 1 AS one) o LEFT JOIN pruk p ON p.pruk_id = $3",
                                 {relay_id, std::int64_t{rsc}, as_db(*pruk_id)}));
    } else {
      PROSE_TRY(rows, db_->query(std::string("SELECT ") + kRelayFlags +
                                     "CASE WHEN EXISTS (SELECT 1 FROM ue WHERE imsi = $3) THEN 1 ELSE 0 END, "
                                     "CASE WHEN EXISTS (SELECT 1 FROM ue_rsc WHERE imsi = $3 AND rsc = $2) "
                                     "THEN 1 ELSE 0 END",
                                 {relay_id, std::int64_t{rsc}, imsi}));
    }
    if (rows.size() != 1) return fail(Errc::kInternal, "KD lookup returned no row");
    const SqlRow& row = rows[0];
    PROSE_TRY(std::int64_t relay_known, col_int(row, 0));
    PROSE_TRY(std::int64_t relay_rsc, col_int(row, 1));
    PROSE_TRY(std::int64_t ue_known, col_int(row, 2));
    PROSE_TRY(std::int64_t ue_rsc, col_int(row, 3));
    out.relay_known = relay_known != 0;
    out.relay_serves_rsc = relay_rsc != 0;
    out.ue_known = ue_known != 0;  // a PRUK always has its UE (foreign key)
    out.ue_uses_rsc = ue_rsc != 0;
    if (pruk_id && out.ue_known) {
      PROSE_TRY(PrukRecord rec, pruk_from_row(SqlRow(row.begin() + 4, row.end())));
      out.pruk = std::move(rec);
    }
    return out;
  }

  Result<std::optional<PrukRecord>> latest_pruk(const std::string& imsi) override {
    PROSE_TRY(auto rows,
              db_->query(std::string(kPrukColumns) + " WHERE imsi = $1 ORDER BY issued_seq DESC LIMIT 1", {imsi}));
    if (rows.empty()) return std::optional<PrukRecord>{};
    PROSE_TRY(PrukRecord rec, pruk_from_row(rows[0]));
    return std::optional<PrukRecord>(std::move(rec));
  }

  Result<std::vector<std::uint64_t>> pruk_ids(const std::string& imsi) override {
    PROSE_TRY(auto rows, db_->query("SELECT pruk_id FROM pruk WHERE imsi = $1 ORDER BY issued_seq DESC", {imsi}));
    std::vector<std::uint64_t> ids;
    for (const auto& row : rows) {
      PROSE_TRY(std::int64_t id, col_int(row, 0));
      ids.push_back(from_db(id));
    }
    return ids;
  }

  Status record_pruk_use(std::uint64_t pruk_id) override {
    PROSE_TRY(auto rows, db_->query("UPDATE pruk SET use_count = use_count + 1 WHERE pruk_id = $1 RETURNING pruk_id",
                                    {as_db(pruk_id)}));
    if (rows.empty()) return fail(Errc::kNotFound, "no such PRUK ID");
    return ok_status();
  }

  Status bulk_insert_pruks(const std::vector<PrukRecord>& recs) override {
    std::vector<Bytes> blobs;
    blobs.reserve(recs.size());
    for (const auto& rec : recs) {
      if (rec.pruk_id == 0) return fail(Errc::kInvalidArgument, "PRUK ID 0 is reserved");
      PROSE_TRY(Bytes blob, wrap_key(kek_, rec.pruk, pruk_label(rec.pruk_id)));
      blobs.push_back(std::move(blob));
    }
    return in_transaction(*db_, [&]() -> Status {
      for (std::size_t i = 0; i < recs.size(); ++i) {
        const auto& rec = recs[i];
        PROSE_TRY(auto ins, db_->query(kInsertPruk, {as_db(rec.pruk_id), rec.imsi, blobs[i],
                                                     std::int64_t{static_cast<int>(rec.source)}, rec.created_at,
                                                     as_db(rec.use_count)}));
        (void)ins;
      }
      return ok_status();
    });
  }

  Status record_pruk_uses(const std::vector<std::pair<std::uint64_t, AuditEntry>>& uses) override {
    return in_transaction(*db_, [&]() -> Status {
      for (const auto& [id, e] : uses) {
        PROSE_TRY(auto rows, db_->query("UPDATE pruk SET use_count = use_count + 1 WHERE pruk_id = $1", {as_db(id)}));
        (void)rows;
        PROSE_TRY_STATUS(insert_audit(e));
      }
      return ok_status();
    });
  }

  Status record_pruk_use_audited(std::uint64_t pruk_id, const AuditEntry& e) override {
    return in_transaction(*db_, [&]() -> Status {
      PROSE_TRY_STATUS(record_pruk_use(pruk_id));
      return insert_audit(e);
    });
  }

  Status delete_pruks_before(const std::string& imsi, std::uint64_t pruk_id, const std::vector<std::uint64_t>& keep,
                             const AuditEntry& audit_entry) override {
    return in_transaction(*db_, [&]() -> Status {
      // Nothing when the PRUK is gone: the subquery is NULL and so is every comparison with it.
      // A PRUK with a pending delivery stored stays too: that delivery may belong to another PKMF, or be resumed
      // after a crash, and still reach the UE after the verified one.
      std::string sql =
          "DELETE FROM pruk WHERE imsi = $1 AND issued_seq < "
          "(SELECT issued_seq FROM pruk WHERE pruk_id = $2 AND imsi = $1) "
          "AND pruk_id NOT IN (SELECT pruk_id FROM mikey_delivery)";
      std::vector<SqlValue> params = {imsi, as_db(pruk_id)};
      for (std::uint64_t k : keep) {
        params.emplace_back(as_db(k));
        sql += " AND pruk_id <> $" + std::to_string(params.size());
      }
      PROSE_TRY(auto rows, db_->query(sql, params));
      (void)rows;
      // The verified PRUK's delivery is over (the deleted ones' rows went with their PRUKs).
      PROSE_TRY(auto done, db_->query("DELETE FROM mikey_delivery WHERE pruk_id = $1", {as_db(pruk_id)}));
      (void)done;
      return insert_audit(audit_entry);
    });
  }

  Result<std::optional<PsdkRecord>> current_psdk(std::uint32_t rsc) override { return current_psdk_locked(rsc); }

  Result<PsdkInsertResult> insert_psdk_if_absent(const PsdkRecord& rec, const AuditEntry& audit_entry) override {
    if (rec.psdk_id == 0) return fail(Errc::kInvalidArgument, "PSDK ID 0 is reserved");
    if (rec.generation == 0 || rec.generation > static_cast<std::uint64_t>(INT64_MAX)) {
      return fail(Errc::kInvalidArgument, "PSDK generation out of range");
    }
    if (rec.rsc > 0xffffff) return fail(Errc::kInvalidArgument, "Relay Service Code does not fit 24 bits");
    if (rec.psdk.empty()) return fail(Errc::kInvalidArgument, "empty PSDK");
    if (rec.expires_at <= rec.created_at) return fail(Errc::kInvalidArgument, "PSDK expires before it is created");
    PROSE_TRY(Bytes blob, wrap_key(kek_, rec.psdk, psdk_label(rec)));
    return in_transaction(*db_, [&]() -> Result<PsdkInsertResult> {
      PROSE_TRY(auto ins, db_->query("INSERT INTO psdk (rsc, generation, psdk_id, psdk, created_at, expires_at) "
                                     "VALUES ($1, $2, $3, $4, $5, $6) "
                                     "ON CONFLICT (rsc, generation) DO NOTHING RETURNING psdk_id",
                                     {std::int64_t{rec.rsc}, as_db(rec.generation), std::int64_t{rec.psdk_id}, blob,
                                      rec.created_at, rec.expires_at}));
      PsdkInsertResult out;
      out.created = !ins.empty();
      if (out.created) {
        PROSE_TRY_STATUS(insert_audit(audit_entry));
        // The older PSDKs of this RSC that have expired by now are of no use to anyone.
        PROSE_TRY(auto gone, db_->query("DELETE FROM psdk WHERE rsc = $1 AND generation < $2 AND expires_at <= $3 "
                                        "RETURNING psdk_id",
                                        {std::int64_t{rec.rsc}, as_db(rec.generation), rec.created_at}));
        PROSE_TRY_STATUS(audit_deleted_psdks(gone, rec.rsc, rec.created_at));
      }
      PROSE_TRY(auto current, current_psdk_locked(rec.rsc));
      if (!current) return fail(Errc::kInternal, "PSDK vanished after insert");
      out.current = std::move(*current);
      return out;
    });
  }

  Result<std::vector<PsdkRecord>> list_psdks() override {
    PROSE_TRY(auto rows, db_->query("SELECT rsc, generation, psdk_id, created_at, expires_at FROM psdk "
                                    "ORDER BY rsc, generation"));
    std::vector<PsdkRecord> out;
    for (const auto& row : rows) {
      PsdkRecord r;
      PROSE_TRY(std::int64_t rsc, col_int(row, 0));
      PROSE_TRY(std::int64_t gen, col_int(row, 1));
      PROSE_TRY(std::int64_t id, col_int(row, 2));
      r.rsc = static_cast<std::uint32_t>(rsc);
      r.generation = from_db(gen);
      r.psdk_id = static_cast<std::uint32_t>(id);
      PROSE_TRY(r.created_at, col_int(row, 3));
      PROSE_TRY(r.expires_at, col_int(row, 4));
      out.push_back(std::move(r));
    }
    return out;
  }

  Result<std::size_t> delete_expired_psdks(std::int64_t now) override {
    // The current PSDK of an RSC stays even when expired: its generation is what the next one is numbered from,
    // so a PKMF that read it a moment ago still races on the right row.
    return in_transaction(*db_, [&]() -> Result<std::size_t> {
      PROSE_TRY(auto gone,
                db_->query("DELETE FROM psdk WHERE expires_at <= $1 AND generation < "
                           "(SELECT MAX(p.generation) FROM psdk p WHERE p.rsc = psdk.rsc) RETURNING psdk_id, rsc",
                           {now}));
      for (const auto& row : gone) {
        PROSE_TRY(std::int64_t rsc, col_int(row, 1));
        PROSE_TRY_STATUS(audit_deleted_psdks({row}, static_cast<std::uint32_t>(rsc), now));
      }
      return gone.size();
    });
  }

  Status audit(const AuditEntry& e) override {
    return in_transaction(*db_, [&]() -> Status { return insert_audit(e); });
  }

  Status audit_many(const std::vector<AuditEntry>& entries) override {
    return in_transaction(*db_, [&]() -> Status {
      for (const auto& e : entries) PROSE_TRY_STATUS(insert_audit(e));
      return ok_status();
    });
  }

  Result<std::vector<AuditEntry>> audit_log(const std::string& subject, std::size_t limit) override {
    PROSE_TRY(auto rows, db_->query("SELECT at, actor, action, key_kind, key_id, subject FROM audit "
                                    "WHERE subject = $1 ORDER BY id DESC LIMIT $2",
                                    {subject, static_cast<std::int64_t>(limit)}));
    std::vector<AuditEntry> out;
    for (const auto& row : rows) {
      AuditEntry e;
      PROSE_TRY(e.at, col_int(row, 0));
      PROSE_TRY(e.actor, col_text(row, 1));
      PROSE_TRY(e.action, col_text(row, 2));
      PROSE_TRY(e.key_kind, col_text(row, 3));
      PROSE_TRY(e.key_id, col_text(row, 4));
      PROSE_TRY(e.subject, col_text(row, 5));
      out.push_back(std::move(e));
    }
    return out;
  }

  Result<StoreCheck> check() override {
    StoreCheck out;
    std::size_t more = 0;
    auto problem = [&](std::string p) {
      if (out.problems.size() < kMaxCheckProblems)
        out.problems.push_back(std::move(p));
      else
        ++more;
    };
    const bool sqlite = db_->dialect() == Dialect::kSqlite;

    // Rows and digest: every table, each row hashed, a table's row hashes sorted (order-independent).
    PROSE_TRY(auto tables,
              db_->query(sqlite ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' "
                                  "ORDER BY name"
                                : "SELECT table_name::text FROM information_schema.tables WHERE table_schema = "
                                  "current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"));
    Sha256Builder digest;
    for (const auto& t : tables) {
      PROSE_TRY(std::string name, col_text(t, 0));
      PROSE_TRY(auto rows, db_->query("SELECT * FROM " + quote_identifier(name)));
      std::vector<Sha256> hashes;
      hashes.reserve(rows.size());
      for (const auto& row : rows) hashes.push_back(row_hash(row));
      std::sort(hashes.begin(), hashes.end());
      digest.add(name);
      for (const auto& h : hashes) digest.add(h.data(), h.size());
      out.rows.emplace_back(name, rows.size());
    }
    out.digest = to_hex(digest.finish());

    // The database's own view.
    PROSE_TRY(int version, current_schema_version(*db_));
    if (version != latest_schema_version())
      problem("schema version " + std::to_string(version) + ", expected " + std::to_string(latest_schema_version()));
    if (sqlite) {
      PROSE_TRY(auto ic, db_->query("PRAGMA integrity_check"));
      for (const auto& row : ic) {
        PROSE_TRY(std::string line, col_text(row, 0));
        if (line != "ok") problem("sqlite integrity_check: " + line);
      }
      PROSE_TRY(auto fk, db_->query("PRAGMA foreign_key_check"));
      for (const auto& row : fk) {
        PROSE_TRY(std::string table, col_text(row, 0));
        PROSE_TRY(std::string parent, col_text(row, 2));
        problem("table " + table + ": a row refers to a missing " + parent + " row");
      }
    } else {
      for (const auto& [table, key, parent] :
           {std::array<const char*, 3>{"pruk", "imsi", "ue"}, std::array<const char*, 3>{"ue_rsc", "imsi", "ue"},
            std::array<const char*, 3>{"relay_rsc", "relay_id", "relay"}}) {
        PROSE_TRY(auto rows, db_->query(std::string("SELECT COUNT(*) FROM ") + table + " WHERE " + key +
                                        " NOT IN (SELECT " + key + " FROM " + parent + ")"));
        PROSE_TRY(std::int64_t n, col_int(rows.at(0), 0));
        if (n != 0) problem("table " + std::string(table) + ": " + std::to_string(n) + " rows without their " + parent);
      }
    }

    // PRUKs: IDs, sources, issue order, and every key opens under the KEK with its row's label.
    PROSE_TRY(auto pruks, db_->query("SELECT pruk_id, imsi, pruk, source, issued_seq FROM pruk"));
    for (const auto& row : pruks) {
      PROSE_TRY(std::int64_t id, col_int(row, 0));
      PROSE_TRY(std::string imsi, col_text(row, 1));
      PROSE_TRY(Bytes blob, col_blob(row, 2));
      PROSE_TRY(std::int64_t source, col_int(row, 3));
      PROSE_TRY(std::int64_t seq, col_int(row, 4));
      const std::string what = "PRUK " + to_hex_u64(from_db(id)) + " of UE " + imsi;
      if (id == 0) problem(what + ": PRUK ID 0 is reserved");
      if (source != static_cast<int>(PrukSource::kMikey) && source != static_cast<int>(PrukSource::kGbaPush))
        problem(what + ": unknown source " + std::to_string(source));
      if (seq < 1) problem(what + ": no issue order");
      if (auto k = unwrap_key(kek_, blob, pruk_label(from_db(id))); !k.ok())
        problem(what + ": key does not open (" + k.error().message + ")");
    }
    PROSE_TRY(auto seqs, db_->query("SELECT imsi, issued_seq FROM pruk GROUP BY imsi, issued_seq HAVING COUNT(*) > 1"));
    for (const auto& row : seqs) {
      PROSE_TRY(std::string imsi, col_text(row, 0));
      problem("UE " + imsi + ": two PRUKs with one issue order");
    }
    // PMKs: ID and key together, and the key opens.
    PROSE_TRY(auto pmks, db_->query("SELECT imsi, pmk_id, pmk FROM ue WHERE pmk_id IS NOT NULL OR pmk IS NOT NULL"));
    for (const auto& row : pmks) {
      PROSE_TRY(std::string imsi, col_text(row, 0));
      if (col_null(row, 1) || col_null(row, 2)) {
        problem("UE " + imsi + ": PMK ID without PMK or PMK without ID");
        continue;
      }
      PROSE_TRY(std::int64_t id, col_int(row, 1));
      PROSE_TRY(Bytes blob, col_blob(row, 2));
      if (auto k = unwrap_key(kek_, blob, pmk_label(imsi, from_db(id))); !k.ok())
        problem("PMK of UE " + imsi + ": key does not open (" + k.error().message + ")");
    }
    // PSDKs.
    PROSE_TRY(auto psdks, db_->query("SELECT rsc, generation, psdk_id, psdk, created_at, expires_at FROM psdk"));
    for (const auto& row : psdks) {
      PsdkRecord r;
      PROSE_TRY(std::int64_t rsc, col_int(row, 0));
      PROSE_TRY(std::int64_t gen, col_int(row, 1));
      PROSE_TRY(std::int64_t id, col_int(row, 2));
      PROSE_TRY(Bytes blob, col_blob(row, 3));
      PROSE_TRY(r.created_at, col_int(row, 4));
      PROSE_TRY(r.expires_at, col_int(row, 5));
      r.rsc = static_cast<std::uint32_t>(rsc);
      r.generation = from_db(gen);
      r.psdk_id = static_cast<std::uint32_t>(id);
      const std::string what = "PSDK generation " + std::to_string(gen) + " of " + psdk_audit_subject(r.rsc);
      if (rsc < 0 || rsc > 0xffffff || id <= 0 || id > 0xffffffffLL || gen < 1)
        problem(what + ": RSC, ID or generation out of range");
      else if (auto k = unwrap_key(kek_, blob, psdk_label(r)); !k.ok())
        problem(what + ": key does not open (" + k.error().message + ")");
    }
    // Relay Service Codes are 24 bits.
    for (const char* table : {"ue_rsc", "relay_rsc"}) {
      PROSE_TRY(auto rows,
                db_->query(std::string("SELECT COUNT(*) FROM ") + table + " WHERE rsc < 0 OR rsc > 16777215"));
      PROSE_TRY(std::int64_t n, col_int(rows.at(0), 0));
      if (n != 0)
        problem("table " + std::string(table) + ": " + std::to_string(n) + " Relay Service Codes over 24 bits");
    }
    if (more != 0) out.problems.push_back("... and " + std::to_string(more) + " more");
    return out;
  }

  Result<std::size_t> prune_audit(std::int64_t before, std::size_t max_rows) override {
    if (max_rows == 0) return fail(Errc::kInvalidArgument, "prune_audit: max_rows must be positive");
    return in_transaction(*db_, [&]() -> Result<std::size_t> {
      // audit_by_time (schema 5) finds the oldest rows without reading the table.
      PROSE_TRY(auto gone, db_->query("DELETE FROM audit WHERE id IN "
                                      "(SELECT id FROM audit WHERE at < $1 ORDER BY at, id LIMIT $2) RETURNING id",
                                      {before, static_cast<std::int64_t>(max_rows)}));
      return gone.size();
    });
  }

  Status bulk_upsert_ues(const std::vector<std::pair<std::string, std::vector<std::uint32_t>>>& ues, std::int64_t now,
                         const std::function<void(std::size_t)>& progress) override {
    return in_transaction(*db_, [&]() -> Status {
      std::size_t n = 0;
      for (const auto& [imsi, rscs] : ues) {
        PROSE_TRY_STATUS(upsert_ue_locked(imsi, rscs, now));
        if (++n % 1000 == 0 && progress) progress(n);
      }
      if (progress) progress(n);
      return ok_status();
    });
  }

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

  // insert_pruk, and with `delivery` the PRUK's pending MIKEY delivery, in one transaction.
  Status insert_pruk_and(const PrukRecord& rec, bool replace_older, const PendingDelivery* delivery,
                         const AuditEntry& audit_entry) {
    if (rec.pruk_id == 0) return fail(Errc::kInvalidArgument, "PRUK ID 0 is reserved");
    PROSE_TRY(Bytes blob, wrap_key(kek_, rec.pruk, pruk_label(rec.pruk_id)));
    return in_transaction(*db_, [&]() -> Status {
      PROSE_TRY(auto ue, db_->query("SELECT imsi FROM ue WHERE imsi = $1", {rec.imsi}));
      if (ue.empty()) return fail(Errc::kNotFound, "no UE with IMSI " + rec.imsi);
      PROSE_TRY(auto ins,
                db_->query(kInsertPruk, {as_db(rec.pruk_id), rec.imsi, blob, std::int64_t{static_cast<int>(rec.source)},
                                         rec.created_at, as_db(rec.use_count)}));
      (void)ins;
      if (replace_older) {
        PROSE_TRY(auto del,
                  db_->query("DELETE FROM pruk WHERE imsi = $1 AND pruk_id <> $2", {rec.imsi, as_db(rec.pruk_id)}));
        (void)del;
      }
      if (delivery != nullptr) {
        PROSE_TRY(auto d,
                  db_->query("INSERT INTO mikey_delivery (pruk_id, attempts, next_attempt_ms) VALUES ($1, $2, $3)",
                             {as_db(rec.pruk_id), std::int64_t{delivery->attempts}, delivery->next_attempt_ms}));
        (void)d;
      }
      return insert_audit(audit_entry);
    });
  }

  Result<PendingDelivery> delivery_from_row(const SqlRow& row) {
    PendingDelivery d;
    PROSE_TRY(std::int64_t id, col_int(row, 0));
    d.pruk_id = from_db(id);
    PROSE_TRY(d.imsi, col_text(row, 1));
    PROSE_TRY(std::int64_t attempts, col_int(row, 2));
    d.attempts = static_cast<unsigned>(attempts);
    PROSE_TRY(d.next_attempt_ms, col_int(row, 3));
    return d;
  }

  Status upsert_ue_locked(const std::string& imsi, const std::vector<std::uint32_t>& rscs, std::int64_t now) {
    PROSE_TRY(auto ins, db_->query("INSERT INTO ue (imsi, updated_at) VALUES ($1, $2) "
                                   "ON CONFLICT (imsi) DO UPDATE SET updated_at = excluded.updated_at",
                                   {imsi, now}));
    (void)ins;
    return replace_rscs("ue_rsc", "imsi", imsi, rscs);
  }

  Status replace_rscs(const std::string& table, const std::string& key, const std::string& id,
                      const std::vector<std::uint32_t>& rscs) {
    PROSE_TRY(auto del, db_->query("DELETE FROM " + table + " WHERE " + key + " = $1", {id}));
    (void)del;
    for (std::uint32_t rsc : rscs) {
      if (rsc > 0xffffff) return fail(Errc::kInvalidArgument, "Relay Service Code does not fit 24 bits");
      PROSE_TRY(auto ins,
                db_->query("INSERT INTO " + table + " (" + key + ", rsc) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                           {id, std::int64_t{rsc}}));
      (void)ins;
    }
    return ok_status();
  }

  Result<std::vector<std::uint32_t>> rscs_of(const std::string& table, const std::string& key, const std::string& id) {
    PROSE_TRY(auto rows, db_->query("SELECT rsc FROM " + table + " WHERE " + key + " = $1 ORDER BY rsc", {id}));
    std::vector<std::uint32_t> out;
    for (const auto& row : rows) {
      PROSE_TRY(std::int64_t v, col_int(row, 0));
      out.push_back(static_cast<std::uint32_t>(v));
    }
    return out;
  }

  static constexpr const char* kPsdkColumns = "SELECT rsc, generation, psdk_id, psdk, created_at, expires_at FROM psdk";

  Result<std::optional<PsdkRecord>> current_psdk_locked(std::uint32_t rsc) {
    PROSE_TRY(auto rows, db_->query(std::string(kPsdkColumns) + " WHERE rsc = $1 ORDER BY generation DESC LIMIT 1",
                                    {std::int64_t{rsc}}));
    if (rows.empty()) return std::optional<PsdkRecord>{};
    const SqlRow& row = rows[0];
    PsdkRecord r;
    PROSE_TRY(std::int64_t rsc_v, col_int(row, 0));
    PROSE_TRY(std::int64_t gen, col_int(row, 1));
    PROSE_TRY(std::int64_t id, col_int(row, 2));
    r.rsc = static_cast<std::uint32_t>(rsc_v);
    r.generation = from_db(gen);
    r.psdk_id = static_cast<std::uint32_t>(id);
    PROSE_TRY(Bytes blob, col_blob(row, 3));
    PROSE_TRY(r.created_at, col_int(row, 4));
    PROSE_TRY(r.expires_at, col_int(row, 5));
    PROSE_TRY(r.psdk, unwrap_key(kek_, blob, psdk_label(r)));
    return std::optional<PsdkRecord>(std::move(r));
  }

  Status audit_deleted_psdks(const std::vector<SqlRow>& rows, std::uint32_t rsc, std::int64_t at) {
    for (const auto& row : rows) {
      PROSE_TRY(std::int64_t id, col_int(row, 0));
      char hex[9];
      std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(id));
      PROSE_TRY_STATUS(insert_audit({at, "pkmf", "delete-expired", "PSDK", hex, psdk_audit_subject(rsc)}));
    }
    return ok_status();
  }

  Status insert_audit(const AuditEntry& e) {
    PROSE_TRY(auto rows, db_->query("INSERT INTO audit (at, actor, action, key_kind, key_id, subject) "
                                    "VALUES ($1, $2, $3, $4, $5, $6)",
                                    {e.at, e.actor, e.action, e.key_kind, e.key_id, e.subject}));
    (void)rows;
    return ok_status();
  }

  Result<UeRecord> ue_from_row(const SqlRow& row) {
    UeRecord ue;
    PROSE_TRY(ue.imsi, col_text(row, 0));
    if (!col_null(row, 1)) {
      PROSE_TRY(std::string ip, col_text(row, 1));
      ue.ip_address = ip;
    }
    PROSE_TRY(std::int64_t port, col_int(row, 2));
    ue.mikey_port = static_cast<std::uint16_t>(port);
    PROSE_TRY(std::int64_t delivery, col_int(row, 3));
    ue.pruk_delivery = delivery != 0;
    if (!col_null(row, 4)) {
      PROSE_TRY(std::int64_t k, col_int(row, 4));
      ue.key_type_id = static_cast<std::uint32_t>(k);
    }
    if (!col_null(row, 5)) {
      PROSE_TRY(std::int64_t p, col_int(row, 5));
      ue.pmk_id = from_db(p);
    }
    PROSE_TRY(ue.updated_at, col_int(row, 6));
    return ue;
  }

  Result<PrukRecord> pruk_from_row(const SqlRow& row) {
    PrukRecord rec;
    PROSE_TRY(std::int64_t id, col_int(row, 0));
    rec.pruk_id = from_db(id);
    PROSE_TRY(rec.imsi, col_text(row, 1));
    PROSE_TRY(Bytes blob, col_blob(row, 2));
    PROSE_TRY(rec.pruk, unwrap_key(kek_, blob, pruk_label(rec.pruk_id)));
    PROSE_TRY(std::int64_t source, col_int(row, 3));
    if (source != static_cast<int>(PrukSource::kMikey) && source != static_cast<int>(PrukSource::kGbaPush)) {
      return fail(Errc::kMalformed, "stored PRUK has unknown source " + std::to_string(source));
    }
    rec.source = static_cast<PrukSource>(source);
    PROSE_TRY(rec.created_at, col_int(row, 4));
    PROSE_TRY(std::int64_t uses, col_int(row, 5));
    rec.use_count = from_db(uses);
    return rec;
  }

  std::unique_ptr<Db> db_;
  SecretBytes kek_;
};

}  // namespace

std::string psdk_audit_subject(std::uint32_t rsc) {
  char b[16];
  std::snprintf(b, sizeof b, "rsc-%06x", rsc);
  return b;
}

Result<std::unique_ptr<Store>> open_store(const std::string& url, const SecretBytes& kek) {
  if (kek.size() != kKekSize) return fail(Errc::kInvalidArgument, "key-encryption key must be 32 octets (64 hex)");
  std::unique_ptr<Db> db;
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    PROSE_TRY(db, open_postgres(url));
  } else {
    std::string path = url.rfind("sqlite:", 0) == 0 ? url.substr(7) : url;
    if (path.empty()) return fail(Errc::kInvalidArgument, "empty SQLite path");
    PROSE_TRY(db, open_sqlite(path));
  }
  PROSE_TRY_STATUS(migrate(*db));
  return std::unique_ptr<Store>(std::make_unique<SqlStore>(std::move(db), kek.clone()));
}

}  // namespace prose::store

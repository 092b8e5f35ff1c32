// The Store interface written once over Db: opening a store, the labels of wrapped keys, monitoring and the audit
// log. The other tables: sql_store_ues.cpp, sql_store_pruks.cpp, sql_store_psdks.cpp; the integrity check:
// sql_store_check.cpp.
#include <cstdio>

#include "prose/store/key_wrap.h"
#include "prose/store/schema.h"
#include "prose/store/sql_store_internal.h"
#include "prose/util/hex.h"

namespace prose::store {
namespace detail {

std::string pruk_label(std::uint64_t id) { return "pruk:" + to_hex_u64(id); }
std::string psdk_label(const PsdkRecord& r) {
  return "psdk:" + psdk_audit_subject(r.rsc) + ":" + std::to_string(r.generation) + ":" + std::to_string(r.psdk_id) +
         ":" + std::to_string(r.created_at) + ":" + std::to_string(r.expires_at);
}
std::string pmk_label(const std::string& imsi, std::uint64_t pmk_id) {
  return "pmk:" + imsi + ":" + std::to_string(pmk_id);
}

int SqlStore::schema_version() {
  auto v = current_schema_version(*db_);
  return v.ok() ? *v : -1;
}

Result<std::vector<std::pair<std::string, std::uint64_t>>> SqlStore::row_counts() {
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

Status SqlStore::audit(const AuditEntry& e) {
  return in_transaction(*db_, [&]() -> Status { return insert_audit(e); });
}

Status SqlStore::audit_many(const std::vector<AuditEntry>& entries) {
  return in_transaction(*db_, [&]() -> Status {
    for (const auto& e : entries) PROSE_TRY_STATUS(insert_audit(e));
    return ok_status();
  });
}

Result<std::vector<AuditEntry>> SqlStore::audit_log(const std::string& subject, std::size_t limit) {
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

Result<std::size_t> SqlStore::prune_audit(std::int64_t before, std::size_t max_rows) {
  if (max_rows == 0) return fail(Errc::kInvalidArgument, "prune_audit: max_rows must be positive");
  return in_transaction(*db_, [&]() -> Result<std::size_t> {
    // audit_by_time (schema 5) finds the oldest rows without reading the table.
    PROSE_TRY(auto gone, db_->query("DELETE FROM audit WHERE id IN "
                                    "(SELECT id FROM audit WHERE at < $1 ORDER BY at, id LIMIT $2) RETURNING id",
                                    {before, static_cast<std::int64_t>(max_rows)}));
    return gone.size();
  });
}

Status SqlStore::insert_audit(const AuditEntry& e) {
  PROSE_TRY(auto rows, db_->query("INSERT INTO audit (at, actor, action, key_kind, key_id, subject) "
                                  "VALUES ($1, $2, $3, $4, $5, $6)",
                                  {e.at, e.actor, e.action, e.key_kind, e.key_id, e.subject}));
  (void)rows;
  return ok_status();
}

}  // namespace detail

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
  return std::unique_ptr<Store>(std::make_unique<detail::SqlStore>(std::move(db), kek.clone()));
}

}  // namespace prose::store

// The Store over Db: the discovery keys (PSDKs), one sequence of generations per Relay Service Code.
#include <cstdio>

#include "prose/store/key_wrap.h"
#include "prose/store/sql_store_internal.h"

namespace prose::store::detail {
namespace {

// The first three columns of every PSDK query: rsc, generation, psdk_id.
Status read_psdk_key(const SqlRow& row, PsdkRecord& r) {
  PROSE_TRY(std::int64_t rsc, col_int(row, 0));
  PROSE_TRY(std::int64_t gen, col_int(row, 1));
  PROSE_TRY(std::int64_t id, col_int(row, 2));
  r.rsc = static_cast<std::uint32_t>(rsc);
  r.generation = from_db(gen);
  r.psdk_id = static_cast<std::uint32_t>(id);
  return ok_status();
}

}  // namespace

Result<PsdkInsertResult> SqlStore::insert_psdk_if_absent(const PsdkRecord& rec, const AuditEntry& audit_entry) {
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

Result<std::vector<PsdkRecord>> SqlStore::list_psdks() {
  PROSE_TRY(auto rows, db_->query("SELECT rsc, generation, psdk_id, created_at, expires_at FROM psdk "
                                  "ORDER BY rsc, generation"));
  std::vector<PsdkRecord> out;
  for (const auto& row : rows) {
    PsdkRecord r;
    PROSE_TRY_STATUS(read_psdk_key(row, r));
    PROSE_TRY(r.created_at, col_int(row, 3));
    PROSE_TRY(r.expires_at, col_int(row, 4));
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::size_t> SqlStore::delete_expired_psdks(std::int64_t now) {
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

Result<std::optional<PsdkRecord>> SqlStore::current_psdk_locked(std::uint32_t rsc) {
  PROSE_TRY(auto rows, db_->query(std::string(kPsdkColumns) + " WHERE rsc = $1 ORDER BY generation DESC LIMIT 1",
                                  {std::int64_t{rsc}}));
  if (rows.empty()) return std::optional<PsdkRecord>{};
  const SqlRow& row = rows[0];
  PsdkRecord r;
  PROSE_TRY_STATUS(read_psdk_key(row, r));
  PROSE_TRY(Bytes blob, col_blob(row, 3));
  PROSE_TRY(r.created_at, col_int(row, 4));
  PROSE_TRY(r.expires_at, col_int(row, 5));
  PROSE_TRY(r.psdk, unwrap_key(kek_, blob, psdk_label(r)));
  return std::optional<PsdkRecord>(std::move(r));
}

Status SqlStore::audit_deleted_psdks(const std::vector<SqlRow>& rows, std::uint32_t rsc, std::int64_t at) {
  for (const auto& row : rows) {
    PROSE_TRY(std::int64_t id, col_int(row, 0));
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(id));
    PROSE_TRY_STATUS(insert_audit({at, "pkmf", "delete-expired", "PSDK", hex, psdk_audit_subject(rsc)}));
  }
  return ok_status();
}

}  // namespace prose::store::detail

// The Store over Db: UEs (their Relay Service Codes, delivery settings and PMKs) and relays.
#include "prose/store/key_wrap.h"
#include "prose/store/sql_store_internal.h"

namespace prose::store::detail {

Status SqlStore::upsert_ue(const std::string& imsi, const std::vector<std::uint32_t>& rscs, std::int64_t now) {
  return in_transaction(*db_, [&]() -> Status { return upsert_ue_locked(imsi, rscs, now); });
}

Status SqlStore::remove_ue(const std::string& imsi) {
  return in_transaction(*db_, [&]() -> Status {
    PROSE_TRY(auto rows, db_->query("DELETE FROM ue WHERE imsi = $1 RETURNING imsi", {imsi}));
    if (rows.empty()) return fail(Errc::kNotFound, "no UE with IMSI " + imsi);
    return ok_status();
  });
}

Result<std::optional<UeRecord>> SqlStore::find_ue(const std::string& imsi) {
  PROSE_TRY(auto rows, db_->query(std::string(kUeColumns) + " WHERE imsi = $1", {imsi}));
  if (rows.empty()) return std::optional<UeRecord>{};
  PROSE_TRY(UeRecord ue, ue_from_row(rows[0]));
  PROSE_TRY(ue.relay_service_codes, rscs_of("ue_rsc", "imsi", ue.imsi));
  return std::optional<UeRecord>(std::move(ue));
}

Result<std::vector<UeRecord>> SqlStore::list_ues(std::size_t limit, std::size_t offset) {
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

Result<std::uint64_t> SqlStore::count_ues() {
  PROSE_TRY(auto rows, db_->query("SELECT COUNT(*) FROM ue"));
  PROSE_TRY(std::int64_t n, col_int(rows.at(0), 0));
  return static_cast<std::uint64_t>(n);
}

Status SqlStore::update_ue_delivery(const std::string& imsi, bool pruk_delivery, const std::optional<std::string>& ip,
                                    std::uint16_t port, std::int64_t now) {
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

Status SqlStore::set_key_type_id(const std::string& imsi, std::uint32_t key_type_id) {
  return in_transaction(*db_, [&]() -> Status {
    PROSE_TRY(auto rows, db_->query("UPDATE ue SET key_type_id = $2 WHERE imsi = $1 RETURNING imsi",
                                    {imsi, std::int64_t{key_type_id}}));
    if (rows.empty()) return fail(Errc::kNotFound, "no UE with IMSI " + imsi);
    return ok_status();
  });
}

Status SqlStore::set_pmk(const std::string& imsi, std::uint64_t pmk_id, const SecretBytes& pmk) {
  PROSE_TRY(Bytes blob, wrap_key(kek_, pmk, pmk_label(imsi, pmk_id)));
  return in_transaction(*db_, [&]() -> Status {
    PROSE_TRY(auto rows, db_->query("UPDATE ue SET pmk_id = $2, pmk = $3 WHERE imsi = $1 RETURNING imsi",
                                    {imsi, as_db(pmk_id), blob}));
    if (rows.empty()) return fail(Errc::kNotFound, "no UE with IMSI " + imsi);
    return ok_status();
  });
}

Result<std::optional<PmkRecord>> SqlStore::find_pmk(const std::string& imsi) {
  PROSE_TRY(auto rows, db_->query("SELECT pmk_id, pmk FROM ue WHERE imsi = $1", {imsi}));
  if (rows.empty() || col_null(rows[0], 0) || col_null(rows[0], 1)) return std::optional<PmkRecord>{};
  PmkRecord rec;
  PROSE_TRY(std::int64_t id, col_int(rows[0], 0));
  PROSE_TRY(Bytes blob, col_blob(rows[0], 1));
  rec.pmk_id = from_db(id);
  PROSE_TRY(rec.pmk, unwrap_key(kek_, blob, pmk_label(imsi, rec.pmk_id)));
  return std::optional<PmkRecord>(std::move(rec));
}

Status SqlStore::revoke_pmk(const std::string& imsi, const AuditEntry& audit_entry) {
  return in_transaction(*db_, [&]() -> Status {
    PROSE_TRY(auto rows, db_->query("UPDATE ue SET pmk_id = NULL, pmk = NULL WHERE imsi = $1 RETURNING imsi", {imsi}));
    if (rows.empty()) return fail(Errc::kNotFound, "no UE with IMSI " + imsi);
    return insert_audit(audit_entry);
  });
}

Status SqlStore::upsert_relay(const std::string& relay_id, const std::vector<std::uint32_t>& rscs) {
  return in_transaction(*db_, [&]() -> Status {
    PROSE_TRY(auto ins,
              db_->query("INSERT INTO relay (relay_id) VALUES ($1) ON CONFLICT (relay_id) DO NOTHING", {relay_id}));
    (void)ins;
    return replace_rscs("relay_rsc", "relay_id", relay_id, rscs);
  });
}

Status SqlStore::remove_relay(const std::string& relay_id) {
  return in_transaction(*db_, [&]() -> Status {
    PROSE_TRY(auto rows, db_->query("DELETE FROM relay WHERE relay_id = $1 RETURNING relay_id", {relay_id}));
    if (rows.empty()) return fail(Errc::kNotFound, "no relay " + relay_id);
    return ok_status();
  });
}

Result<std::optional<RelayRecord>> SqlStore::find_relay(const std::string& relay_id) {
  PROSE_TRY(auto rows, db_->query("SELECT relay_id FROM relay WHERE relay_id = $1", {relay_id}));
  if (rows.empty()) return std::optional<RelayRecord>{};
  RelayRecord r;
  r.relay_id = relay_id;
  PROSE_TRY(r.relay_service_codes, rscs_of("relay_rsc", "relay_id", relay_id));
  return std::optional<RelayRecord>(std::move(r));
}

Result<std::vector<RelayRecord>> SqlStore::list_relays() {
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

Status SqlStore::bulk_upsert_ues(const std::vector<std::pair<std::string, std::vector<std::uint32_t>>>& ues,
                                 std::int64_t now, const std::function<void(std::size_t)>& progress) {
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

Status SqlStore::upsert_ue_locked(const std::string& imsi, const std::vector<std::uint32_t>& rscs, std::int64_t now) {
  PROSE_TRY(auto ins, db_->query("INSERT INTO ue (imsi, updated_at) VALUES ($1, $2) "
                                 "ON CONFLICT (imsi) DO UPDATE SET updated_at = excluded.updated_at",
                                 {imsi, now}));
  (void)ins;
  return replace_rscs("ue_rsc", "imsi", imsi, rscs);
}

Status SqlStore::replace_rscs(const std::string& table, const std::string& key, const std::string& id,
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

Result<std::vector<std::uint32_t>> SqlStore::rscs_of(const std::string& table, const std::string& key,
                                                     const std::string& id) {
  PROSE_TRY(auto rows, db_->query("SELECT rsc FROM " + table + " WHERE " + key + " = $1 ORDER BY rsc", {id}));
  std::vector<std::uint32_t> out;
  for (const auto& row : rows) {
    PROSE_TRY(std::int64_t v, col_int(row, 0));
    out.push_back(static_cast<std::uint32_t>(v));
  }
  return out;
}

Result<UeRecord> SqlStore::ue_from_row(const SqlRow& row) {
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

}  // namespace prose::store::detail

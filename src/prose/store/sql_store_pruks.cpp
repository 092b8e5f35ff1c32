// The Store over Db: PRUKs, their pending MIKEY deliveries, and the reads of a KD request.
#include <algorithm>

#include "prose/store/key_wrap.h"
#include "prose/store/sql_store_internal.h"

namespace prose::store::detail {

Status SqlStore::insert_pruk(const PrukRecord& rec, bool replace_older, const AuditEntry& audit_entry) {
  return insert_pruk_and(rec, replace_older, nullptr, audit_entry);
}

Status SqlStore::insert_pruk_with_delivery(const PrukRecord& rec, const PendingDelivery& delivery,
                                           const AuditEntry& audit_entry) {
  if (delivery.pruk_id != rec.pruk_id) return fail(Errc::kInvalidArgument, "the delivery is for another PRUK");
  return insert_pruk_and(rec, false, &delivery, audit_entry);
}

Status SqlStore::record_delivery_progress(const std::vector<PendingDelivery>& progress) {
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

Status SqlStore::delete_delivery(std::uint64_t pruk_id) {
  PROSE_TRY(auto rows, db_->query("DELETE FROM mikey_delivery WHERE pruk_id = $1", {as_db(pruk_id)}));
  (void)rows;
  return ok_status();
}

Result<std::vector<PendingDelivery>> SqlStore::claim_stale_deliveries(std::int64_t stale_before_ms,
                                                                      std::int64_t next_attempt_ms, std::size_t limit) {
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

Result<std::vector<PendingDelivery>> SqlStore::pending_deliveries() {
  PROSE_TRY(auto rows, db_->query(kDeliveryColumns));
  std::vector<PendingDelivery> out;
  for (const auto& row : rows) {
    PROSE_TRY(PendingDelivery pd, delivery_from_row(row));
    out.push_back(std::move(pd));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.pruk_id < b.pruk_id; });
  return out;
}

Result<std::optional<PrukRecord>> SqlStore::find_pruk(std::uint64_t pruk_id) {
  PROSE_TRY(auto rows, db_->query(std::string(kPrukColumns) + " WHERE pruk_id = $1", {as_db(pruk_id)}));
  if (rows.empty()) return std::optional<PrukRecord>{};
  PROSE_TRY(PrukRecord rec, pruk_from_row(rows[0]));
  return std::optional<PrukRecord>(std::move(rec));
}

Result<KdLookup> SqlStore::lookup_for_kd(const std::string& relay_id, std::uint32_t rsc,
                                         std::optional<std::uint64_t> pruk_id, const std::string& imsi) {
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

namespace {

// PostgreSQL array literals (text form) for statements over arrays.
std::string pg_array(const std::vector<std::int64_t>& v) {
  std::string out = "{";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(v[i]);
  }
  return out + "}";
}

std::string pg_array(const std::vector<std::string>& v) {
  std::string out = "{";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : v[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

// The batch lookup's parameters.
std::string pg_text_array(const std::vector<KdQuery>& qs, bool imsi) {
  std::string out = "{";
  for (std::size_t i = 0; i < qs.size(); ++i) {
    if (i) out += ',';
    if (imsi && qs[i].pruk_id) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (char c : imsi ? qs[i].imsi : qs[i].relay_id) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::string pg_int_array(const std::vector<KdQuery>& qs, bool pruk_id) {
  std::string out = "{";
  for (std::size_t i = 0; i < qs.size(); ++i) {
    if (i) out += ',';
    if (!pruk_id)
      out += std::to_string(qs[i].rsc);
    else if (qs[i].pruk_id)
      out += std::to_string(as_db(*qs[i].pruk_id));
    else
      out += "NULL";
  }
  return out + "}";
}

}  // namespace

Result<KdLookup> SqlStore::kd_from_row(const SqlRow& row, bool by_pruk_id) {
  KdLookup l;
  PROSE_TRY(std::int64_t relay_known, col_int(row, 1));
  PROSE_TRY(std::int64_t relay_rsc, col_int(row, 2));
  PROSE_TRY(std::int64_t ue_known, col_int(row, 3));
  PROSE_TRY(std::int64_t ue_rsc, col_int(row, 4));
  l.relay_known = relay_known != 0;
  l.relay_serves_rsc = relay_rsc != 0;
  l.ue_known = ue_known != 0;
  l.ue_uses_rsc = ue_rsc != 0;
  if (by_pruk_id && l.ue_known) {
    PROSE_TRY(PrukRecord rec, pruk_from_row(SqlRow(row.begin() + 5, row.end())));
    l.pruk = std::move(rec);
  }
  return l;
}

Result<std::vector<Result<KdLookup>>> SqlStore::lookup_for_kd_batch(const std::vector<KdQuery>& queries) {
  std::vector<Result<KdLookup>> out;
  out.reserve(queries.size());
  if (db_->dialect() != Dialect::kPostgres) {  // in-process: nothing to save by batching
    for (const auto& q : queries) out.push_back(lookup_for_kd(q.relay_id, q.rsc, q.pruk_id, q.imsi));
    return out;
  }
  if (queries.empty()) return out;
  // lookup_for_kd's statement over arrays, both variants in one: a row per query, numbered by ORDINALITY.
  PROSE_TRY(auto rows,
            db_->query("SELECT q.i, "
                       "CASE WHEN EXISTS (SELECT 1 FROM relay WHERE relay_id = q.relay) THEN 1 ELSE 0 END, "
                       "CASE WHEN EXISTS (SELECT 1 FROM relay_rsc WHERE relay_id = q.relay AND rsc = q.rsc) "
                       "THEN 1 ELSE 0 END, "
                       "CASE WHEN q.pruk_id IS NOT NULL THEN CASE WHEN p.pruk_id IS NULL THEN 0 ELSE 1 END "
                       "WHEN EXISTS (SELECT 1 FROM ue WHERE imsi = q.imsi) THEN 1 ELSE 0 END, "
                       "CASE WHEN EXISTS (SELECT 1 FROM ue_rsc WHERE imsi = COALESCE(p.imsi, q.imsi) AND rsc = q.rsc) "
                       "THEN 1 ELSE 0 END, "
                       "p.pruk_id, p.imsi, p.pruk, p.source, p.created_at, p.use_count "
                       "FROM unnest($1::text[], $2::int8[], $3::int8[], $4::text[]) WITH ORDINALITY "
                       "AS q(relay, rsc, pruk_id, imsi, i) LEFT JOIN pruk p ON p.pruk_id = q.pruk_id",
                       {pg_text_array(queries, false), pg_int_array(queries, false), pg_int_array(queries, true),
                        pg_text_array(queries, true)}));
  if (rows.size() != queries.size()) return fail(Errc::kInternal, "KD batch lookup returned a wrong number of rows");
  std::vector<const SqlRow*> by_query(queries.size(), nullptr);
  for (const SqlRow& row : rows) {
    PROSE_TRY(std::int64_t i, col_int(row, 0));
    if (i < 1 || static_cast<std::size_t>(i) > queries.size()) return fail(Errc::kInternal, "KD batch row number");
    by_query[static_cast<std::size_t>(i - 1)] = &row;
  }
  for (std::size_t k = 0; k < queries.size(); ++k) {
    if (by_query[k] == nullptr) return fail(Errc::kInternal, "KD batch lookup: a query without its row");
    out.push_back(kd_from_row(*by_query[k], queries[k].pruk_id.has_value()));
  }
  return out;
}

Result<std::optional<PrukRecord>> SqlStore::latest_pruk(const std::string& imsi) {
  PROSE_TRY(auto rows,
            db_->query(std::string(kPrukColumns) + " WHERE imsi = $1 ORDER BY issued_seq DESC LIMIT 1", {imsi}));
  if (rows.empty()) return std::optional<PrukRecord>{};
  PROSE_TRY(PrukRecord rec, pruk_from_row(rows[0]));
  return std::optional<PrukRecord>(std::move(rec));
}

Result<std::vector<std::uint64_t>> SqlStore::pruk_ids(const std::string& imsi) {
  PROSE_TRY(auto rows, db_->query("SELECT pruk_id FROM pruk WHERE imsi = $1 ORDER BY issued_seq DESC", {imsi}));
  std::vector<std::uint64_t> ids;
  for (const auto& row : rows) {
    PROSE_TRY(std::int64_t id, col_int(row, 0));
    ids.push_back(from_db(id));
  }
  return ids;
}

Status SqlStore::record_pruk_use(std::uint64_t pruk_id) {
  PROSE_TRY(auto rows, db_->query("UPDATE pruk SET use_count = use_count + 1 WHERE pruk_id = $1 RETURNING pruk_id",
                                  {as_db(pruk_id)}));
  if (rows.empty()) return fail(Errc::kNotFound, "no such PRUK ID");
  return ok_status();
}

Status SqlStore::bulk_insert_pruks(const std::vector<PrukRecord>& recs) {
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

Status SqlStore::record_pruk_uses(const std::vector<std::pair<std::uint64_t, AuditEntry>>& uses) {
  if (db_->dialect() == Dialect::kPostgres) return record_pruk_uses_pg(uses);
  return in_transaction(*db_, [&]() -> Status {
    for (const auto& [id, e] : uses) {
      PROSE_TRY(auto rows, db_->query("UPDATE pruk SET use_count = use_count + 1 WHERE pruk_id = $1", {as_db(id)}));
      (void)rows;
      PROSE_TRY_STATUS(insert_audit(e));
    }
    return ok_status();
  });
}

// PostgreSQL: two statements over arrays per chunk instead of two per use (the KD bookkeeping of a busy PKMF was
// most of the server's statements).
Status SqlStore::record_pruk_uses_pg(const std::vector<std::pair<std::uint64_t, AuditEntry>>& uses) {
  constexpr std::size_t kChunk = 10000;
  return in_transaction(*db_, [&]() -> Status {
    for (std::size_t base = 0; base < uses.size(); base += kChunk) {
      const std::size_t n = std::min(kChunk, uses.size() - base);
      std::vector<std::int64_t> ids, at;
      std::vector<std::string> actor, action, kind, key_id, subject;
      for (std::size_t i = base; i < base + n; ++i) {
        const auto& [id, e] = uses[i];
        ids.push_back(as_db(id));
        at.push_back(e.at);
        actor.push_back(e.actor);
        action.push_back(e.action);
        kind.push_back(e.key_kind);
        key_id.push_back(e.key_id);
        subject.push_back(e.subject);
      }
      // Rows locked in PRUK ID order first: two PKMFs flushing at once then wait for each other instead of
      // deadlocking (the UPDATE's join visits rows in no particular order; the per-use statements of before
      // deadlocked under pkmf-load --pkmfs 2).
      PROSE_TRY(auto locked, db_->query("SELECT pruk_id FROM pruk WHERE pruk_id = ANY($1::int8[]) ORDER BY pruk_id "
                                        "FOR UPDATE",
                                        {pg_array(ids)}));
      (void)locked;
      PROSE_TRY(auto updated, db_->query("UPDATE pruk SET use_count = use_count + c.n FROM "
                                         "(SELECT id, count(*) AS n FROM unnest($1::int8[]) AS u(id) GROUP BY id) c "
                                         "WHERE pruk.pruk_id = c.id",
                                         {pg_array(ids)}));
      (void)updated;
      PROSE_TRY(auto inserted,
                db_->query("INSERT INTO audit (at, actor, action, key_kind, key_id, subject) "
                           "SELECT at, actor, action, key_kind, key_id, subject FROM "
                           "unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) "
                           "WITH ORDINALITY AS a(at, actor, action, key_kind, key_id, subject, i) ORDER BY i",
                           {pg_array(at), pg_array(actor), pg_array(action), pg_array(kind), pg_array(key_id),
                            pg_array(subject)}));
      (void)inserted;
    }
    return ok_status();
  });
}

Status SqlStore::record_pruk_use_audited(std::uint64_t pruk_id, const AuditEntry& e) {
  return in_transaction(*db_, [&]() -> Status {
    PROSE_TRY_STATUS(record_pruk_use(pruk_id));
    return insert_audit(e);
  });
}

Status SqlStore::delete_pruks_before(const std::string& imsi, std::uint64_t pruk_id,
                                     const std::vector<std::uint64_t>& keep, const AuditEntry& audit_entry) {
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

Status SqlStore::insert_pruk_and(const PrukRecord& rec, bool replace_older, const PendingDelivery* delivery,
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

Result<PendingDelivery> SqlStore::delivery_from_row(const SqlRow& row) {
  PendingDelivery d;
  PROSE_TRY(std::int64_t id, col_int(row, 0));
  d.pruk_id = from_db(id);
  PROSE_TRY(d.imsi, col_text(row, 1));
  PROSE_TRY(std::int64_t attempts, col_int(row, 2));
  d.attempts = static_cast<unsigned>(attempts);
  PROSE_TRY(d.next_attempt_ms, col_int(row, 3));
  return d;
}

Result<PrukRecord> SqlStore::pruk_from_row(const SqlRow& row) {
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

}  // namespace prose::store::detail

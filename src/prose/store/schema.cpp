#include "prose/store/schema.h"

#include <string>

namespace prose::store {

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "UEs, relays, PRUKs, PMKs, audit",
       R"sql(
CREATE TABLE ue (
  imsi TEXT PRIMARY KEY,
  ip_address TEXT,
  mikey_port INTEGER NOT NULL DEFAULT 0,
  pruk_delivery INTEGER NOT NULL DEFAULT 0,
  key_type_id INTEGER,
  pmk_id INTEGER,
  pmk BLOB,
  updated_at INTEGER NOT NULL
);
CREATE TABLE ue_rsc (
  imsi TEXT NOT NULL REFERENCES ue(imsi) ON DELETE CASCADE,
  rsc INTEGER NOT NULL,
  PRIMARY KEY (imsi, rsc)
);
CREATE TABLE relay (relay_id TEXT PRIMARY KEY);
CREATE TABLE relay_rsc (
  relay_id TEXT NOT NULL REFERENCES relay(relay_id) ON DELETE CASCADE,
  rsc INTEGER NOT NULL,
  PRIMARY KEY (relay_id, rsc)
);
CREATE TABLE pruk (
  pruk_id INTEGER PRIMARY KEY,
  imsi TEXT NOT NULL REFERENCES ue(imsi) ON DELETE CASCADE,
  pruk BLOB NOT NULL,
  source INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  use_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX pruk_by_imsi ON pruk (imsi, created_at);
CREATE TABLE audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  key_kind TEXT NOT NULL,
  key_id TEXT NOT NULL,
  subject TEXT NOT NULL
);
CREATE INDEX audit_by_subject ON audit (subject, id);
)sql",
       R"sql(
CREATE TABLE ue (
  imsi TEXT PRIMARY KEY,
  ip_address TEXT,
  mikey_port BIGINT NOT NULL DEFAULT 0,
  pruk_delivery BIGINT NOT NULL DEFAULT 0,
  key_type_id BIGINT,
  pmk_id BIGINT,
  pmk BYTEA,
  updated_at BIGINT NOT NULL
);
CREATE TABLE ue_rsc (
  imsi TEXT NOT NULL REFERENCES ue(imsi) ON DELETE CASCADE,
  rsc BIGINT NOT NULL,
  PRIMARY KEY (imsi, rsc)
);
CREATE TABLE relay (relay_id TEXT PRIMARY KEY);
CREATE TABLE relay_rsc (
  relay_id TEXT NOT NULL REFERENCES relay(relay_id) ON DELETE CASCADE,
  rsc BIGINT NOT NULL,
  PRIMARY KEY (relay_id, rsc)
);
CREATE TABLE pruk (
  pruk_id BIGINT PRIMARY KEY,
  imsi TEXT NOT NULL REFERENCES ue(imsi) ON DELETE CASCADE,
  pruk BYTEA NOT NULL,
  source BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  use_count BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX pruk_by_imsi ON pruk (imsi, created_at);
CREATE TABLE audit (
  id BIGSERIAL PRIMARY KEY,
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  key_kind TEXT NOT NULL,
  key_id TEXT NOT NULL,
  subject TEXT NOT NULL
);
CREATE INDEX audit_by_subject ON audit (subject, id);
)sql"},
      // PSDKs: one sequence per Relay Service Code. The primary key (rsc, generation) makes creation of the next
      // PSDK race-free across PKMF processes (insert-if-absent, then re-read); psdk_id is unique while stored.
      {2, "PSDKs (discovery keys) per Relay Service Code",
       R"sql(
CREATE TABLE psdk (
  rsc INTEGER NOT NULL,
  generation INTEGER NOT NULL,
  psdk_id INTEGER NOT NULL UNIQUE,
  psdk BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (rsc, generation)
);
)sql",
       R"sql(
CREATE TABLE psdk (
  rsc BIGINT NOT NULL,
  generation BIGINT NOT NULL,
  psdk_id BIGINT NOT NULL UNIQUE,
  psdk BYTEA NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (rsc, generation)
);
)sql"},
      // The order in which a UE's PRUKs were issued (issue 17): a verification deletes only the PRUKs issued before
      // the verified one, and "latest" no longer depends on two PRUKs of one second being told apart by their random
      // IDs. Per UE, unique: two PKMFs issuing for one UE at the same moment collide (kConflict) and draw again.
      // Existing PRUKs are numbered by creation time, then ID.
      {3, "PRUK issue order per UE",
       R"sql(
ALTER TABLE pruk ADD COLUMN issued_seq INTEGER NOT NULL DEFAULT 0;
UPDATE pruk SET issued_seq = (SELECT COUNT(*) FROM pruk p2 WHERE p2.imsi = pruk.imsi AND
  (p2.created_at < pruk.created_at OR (p2.created_at = pruk.created_at AND p2.pruk_id <= pruk.pruk_id)));
CREATE UNIQUE INDEX pruk_issue_order ON pruk (imsi, issued_seq);
)sql",
       R"sql(
ALTER TABLE pruk ADD COLUMN issued_seq BIGINT NOT NULL DEFAULT 0;
UPDATE pruk SET issued_seq = (SELECT COUNT(*) FROM pruk p2 WHERE p2.imsi = pruk.imsi AND
  (p2.created_at < pruk.created_at OR (p2.created_at = pruk.created_at AND p2.pruk_id <= pruk.pruk_id)));
CREATE UNIQUE INDEX pruk_issue_order ON pruk (imsi, issued_seq);
)sql"},
      // Unverified MIKEY PRUK deliveries (issue 17 defect 7): written with the PRUK, removed on verification or when
      // the sender gives up, taken over by any PKMF once next_attempt_ms is long past. A deleted PRUK takes its row.
      {4, "pending MIKEY deliveries",
       R"sql(
CREATE TABLE mikey_delivery (
  pruk_id INTEGER PRIMARY KEY REFERENCES pruk(pruk_id) ON DELETE CASCADE,
  attempts INTEGER NOT NULL,
  next_attempt_ms INTEGER NOT NULL
);
CREATE INDEX mikey_delivery_due ON mikey_delivery (next_attempt_ms);
)sql",
       R"sql(
CREATE TABLE mikey_delivery (
  pruk_id BIGINT PRIMARY KEY REFERENCES pruk(pruk_id) ON DELETE CASCADE,
  attempts BIGINT NOT NULL,
  next_attempt_ms BIGINT NOT NULL
);
CREATE INDEX mikey_delivery_due ON mikey_delivery (next_attempt_ms);
)sql"},
      // Audit retention (issue 17): the PKMF deletes entries older than [store] audit_retention_days, oldest first.
      {5, "audit entries by time (retention)",
       R"sql(
CREATE INDEX audit_by_time ON audit (at, id);
)sql",
       R"sql(
CREATE INDEX audit_by_time ON audit (at, id);
)sql"},
  };
  return kMigrations;
}

int latest_schema_version() { return migrations().back().version; }

Result<int> current_schema_version(Db& db) {
  PROSE_TRY(auto rows, db.query("SELECT COALESCE(MAX(version), 0) FROM schema_version"));
  if (rows.empty()) return 0;
  PROSE_TRY(std::int64_t v, col_int(rows[0], 0));
  return static_cast<int>(v);
}

Status migrate(Db& db) {
  const bool pg = db.dialect() == Dialect::kPostgres;
  PROSE_TRY_STATUS(db.exec_script(
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
      "applied_at BIGINT NOT NULL)"));
  for (const Migration& m : migrations()) {
    PROSE_TRY_STATUS(db.begin());
    // Serialise concurrent migrators: SQLite holds the write lock from BEGIN IMMEDIATE; PostgreSQL takes a
    // transaction-scoped advisory lock.
    if (pg) {
      auto locked = db.query("SELECT pg_advisory_xact_lock(3303)");
      if (!locked.ok()) {
        db.rollback();
        return locked.error();
      }
    }
    auto version = current_schema_version(db);
    if (!version.ok()) {
      db.rollback();
      return version.error();
    }
    if (*version >= m.version) {
      db.rollback();
      continue;
    }
    Status st = db.exec_script(pg ? m.postgres : m.sqlite);
    if (st.ok()) {
      auto ins = db.query("INSERT INTO schema_version (version, description, applied_at) VALUES ($1, $2, $3)",
                          {std::int64_t{m.version}, std::string(m.description), std::int64_t{0}});
      if (!ins.ok()) st = ins.error();
    }
    if (!st.ok()) {
      db.rollback();
      return fail(st.error().code, "schema migration " + std::to_string(m.version) + ": " + st.error().message);
    }
    PROSE_TRY_STATUS(db.commit());
  }
  return ok_status();
}

}  // namespace prose::store

#include "prose/hss/store.h"

#include <sqlite3.h>

#include <cctype>
#include <ctime>

#include "prose/store/sqlite_stmt.h"

namespace prose::hss {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS subscribers (
  imsi       TEXT PRIMARY KEY CHECK (length(imsi) BETWEEN 6 AND 15),
  k          BLOB NOT NULL CHECK (length(k) = 16),
  opc        BLOB NOT NULL CHECK (length(opc) = 16),
  sqn        INTEGER NOT NULL CHECK (sqn >= 0 AND sqn <= 281474976710655),
  amf        BLOB NOT NULL CHECK (length(amf) = 2),
  updated_at INTEGER NOT NULL
) STRICT;
PRAGMA user_version = 1;
)sql";

using Stmt = store::SqliteStmt;

Error db_error(sqlite3* db, const std::string& what) { return make_error(Errc::kIo, what + ": " + sqlite3_errmsg(db)); }

// Rolls back unless committed.
class Tx {
 public:
  explicit Tx(sqlite3* db) : db_(db) {}
  ~Tx() {
    if (active_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Status begin() {
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return Unexpected{db_error(db_, "BEGIN IMMEDIATE")};
    }
    active_ = true;
    return ok_status();
  }
  Status commit() {
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return Unexpected{db_error(db_, "COMMIT")};
    active_ = false;
    return ok_status();
  }

 private:
  sqlite3* db_;
  bool active_ = false;
};

Subscriber row_to_subscriber(Stmt& st, std::string_view imsi) {
  Subscriber s;
  s.imsi = std::string(imsi);
  Bytes k = st.col_blob(0);
  Bytes opc = st.col_blob(1);
  s.k = SecretBytes::adopt(k);
  s.opc = SecretBytes::adopt(opc);
  s.sqn = static_cast<crypto::Sqn>(st.col_i64(2));
  s.amf = st.col_blob(3);
  return s;
}

}  // namespace

Status validate_imsi(std::string_view imsi) {
  if (imsi.size() < 6 || imsi.size() > 15) {
    return fail(Errc::kInvalidArgument, "IMSI must have 6 to 15 digits, got " + std::to_string(imsi.size()));
  }
  for (char c : imsi) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return fail(Errc::kInvalidArgument, "IMSI must be decimal digits");
  }
  return ok_status();
}

Result<crypto::Sqn> next_sqn(crypto::Sqn current, unsigned ind_bits) {
  if (ind_bits >= 48) return fail(Errc::kInvalidArgument, "IND must be shorter than 48 bits");
  if (current > kSqnMax) return fail(Errc::kInvalidArgument, "SQN larger than 48 bits");
  const std::uint64_t slots = 1ULL << ind_bits;
  const std::uint64_t seq = current >> ind_bits;
  const std::uint64_t ind = current & (slots - 1);
  if (seq + 1 > (kSqnMax >> ind_bits)) return fail(Errc::kState, "SQN exhausted: SEQ would overflow");
  return ((seq + 1) << ind_bits) | ((ind + 1) & (slots - 1));
}

Result<std::unique_ptr<SubscriberStore>> SubscriberStore::open(const std::string& path, SqnPolicy policy) {
  if (policy.ind_bits >= 48) return fail(Errc::kInvalidArgument, "ind_bits must be below 48");
  PROSE_TRY(sqlite3 * db, store::open_sqlite_file(path, "database"));
  std::unique_ptr<SubscriberStore> s(new SubscriberStore(db, policy));
  PROSE_TRY_STATUS(s->exec("PRAGMA journal_mode=WAL"));
  PROSE_TRY_STATUS(s->exec("PRAGMA synchronous=FULL"));
  PROSE_TRY_STATUS(s->exec(kSchema));
  return s;
}

SubscriberStore::~SubscriberStore() { sqlite3_close(db_); }

Status SubscriberStore::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    return fail(Errc::kIo, std::string("database: ") + msg);
  }
  return ok_status();
}

Status SubscriberStore::add_subscriber(std::string_view imsi, ByteView k, ByteView opc, crypto::Sqn sqn, ByteView amf,
                                       bool replace) {
  PROSE_TRY_STATUS(validate_imsi(imsi));
  if (k.size() != 16) return fail(Errc::kInvalidArgument, "K must be 16 octets");
  if (opc.size() != 16) return fail(Errc::kInvalidArgument, "OPc must be 16 octets");
  if (amf.size() != 2) return fail(Errc::kInvalidArgument, "AMF must be 2 octets");
  if (sqn > kSqnMax) return fail(Errc::kInvalidArgument, "SQN must fit in 48 bits");
  std::lock_guard lock(mu_);
  Stmt st(db_, replace ? "INSERT OR REPLACE INTO subscribers(imsi,k,opc,sqn,amf,updated_at) VALUES(?,?,?,?,?,?)"
                       : "INSERT INTO subscribers(imsi,k,opc,sqn,amf,updated_at) VALUES(?,?,?,?,?,?)");
  if (!st.ok()) return Unexpected{db_error(db_, "prepare insert")};
  st.text(1, imsi);
  st.blob(2, k);
  st.blob(3, opc);
  st.i64(4, static_cast<std::int64_t>(sqn));
  st.blob(5, amf);
  st.i64(6, static_cast<std::int64_t>(std::time(nullptr)));
  int rc = st.step();
  if (rc == SQLITE_CONSTRAINT) return fail(Errc::kState, "subscriber " + std::string(imsi) + " already exists");
  if (rc != SQLITE_DONE) return Unexpected{db_error(db_, "insert subscriber")};
  return ok_status();
}

Result<Subscriber> SubscriberStore::get(std::string_view imsi) {
  std::lock_guard lock(mu_);
  Stmt st(db_, "SELECT k,opc,sqn,amf FROM subscribers WHERE imsi=?");
  if (!st.ok()) return Unexpected{db_error(db_, "prepare select")};
  st.text(1, imsi);
  int rc = st.step();
  if (rc == SQLITE_DONE) return fail(Errc::kNotFound, "unknown subscriber " + std::string(imsi));
  if (rc != SQLITE_ROW) return Unexpected{db_error(db_, "select subscriber")};
  return row_to_subscriber(st, imsi);
}

Result<Subscriber> SubscriberStore::allocate_sqn(std::string_view imsi) {
  std::lock_guard lock(mu_);
  Tx tx(db_);
  PROSE_TRY_STATUS(tx.begin());
  // SEQ + 1 and IND + 1 (mod 2^ind_bits) in one statement; the WHERE clause refuses an SEQ overflow.
  Stmt st(db_,
          "UPDATE subscribers SET sqn = ((sqn >> ?1) + 1) * (1 << ?1) + ((sqn + 1) & ((1 << ?1) - 1)), "
          "updated_at = ?3 WHERE imsi = ?2 AND (sqn >> ?1) + 1 <= (281474976710655 >> ?1) "
          "RETURNING k, opc, sqn, amf");
  if (!st.ok()) return Unexpected{db_error(db_, "prepare sqn update")};
  st.i64(1, policy_.ind_bits);
  st.text(2, imsi);
  st.i64(3, static_cast<std::int64_t>(std::time(nullptr)));
  int rc = st.step();
  if (rc == SQLITE_DONE) {
    Stmt ex(db_, "SELECT 1 FROM subscribers WHERE imsi=?");
    ex.text(1, imsi);
    if (ex.step() == SQLITE_ROW) return fail(Errc::kState, "SQN exhausted for " + std::string(imsi));
    return fail(Errc::kNotFound, "unknown subscriber " + std::string(imsi));
  }
  if (rc != SQLITE_ROW) return Unexpected{db_error(db_, "sqn update")};
  Subscriber s = row_to_subscriber(st, imsi);
  if (st.step() != SQLITE_DONE) return Unexpected{db_error(db_, "sqn update")};
  PROSE_TRY_STATUS(tx.commit());
  return s;
}

Result<SubscriberStore::ResyncOutcome> SubscriberStore::resync(std::string_view imsi, ByteView rand, ByteView auts) {
  if (rand.size() != 16) return fail(Errc::kInvalidArgument, "RAND must be 16 octets");
  if (auts.size() != crypto::kAutsSize) return fail(Errc::kInvalidArgument, "AUTS must be 14 octets");
  std::lock_guard lock(mu_);
  Tx tx(db_);
  PROSE_TRY_STATUS(tx.begin());
  Stmt sel(db_, "SELECT k,opc,sqn,amf FROM subscribers WHERE imsi=?");
  if (!sel.ok()) return Unexpected{db_error(db_, "prepare select")};
  sel.text(1, imsi);
  int rc = sel.step();
  if (rc == SQLITE_DONE) return fail(Errc::kNotFound, "unknown subscriber " + std::string(imsi));
  if (rc != SQLITE_ROW) return Unexpected{db_error(db_, "select subscriber")};
  Subscriber s = row_to_subscriber(sel, imsi);
  PROSE_TRY(crypto::Sqn sqn_ms, crypto::recover_sqn_ms(s.k.view(), s.opc.view(), rand, auts));
  ResyncOutcome out;
  out.sqn_ms = sqn_ms;
  out.sqn_before = s.sqn;
  out.sqn_after = s.sqn;
  // Would the next SQN_HE be accepted by a USIM whose highest accepted SQN is SQN_MS (33.102 C.2.2)?
  const std::uint64_t seq_ms = sqn_ms >> policy_.ind_bits;
  auto next = next_sqn(s.sqn, policy_.ind_bits);
  bool acceptable = false;
  if (next.ok()) {
    const std::uint64_t seq_next = *next >> policy_.ind_bits;
    acceptable = seq_next > seq_ms && seq_next - seq_ms <= policy_.delta;
  }
  if (!acceptable) {
    out.sqn_after = sqn_ms;  // next AV: SEQ_MS + 1, IND after IND_MS
    out.reset = true;
    Stmt up(db_, "UPDATE subscribers SET sqn=?1, updated_at=?3 WHERE imsi=?2");
    if (!up.ok()) return Unexpected{db_error(db_, "prepare resync update")};
    up.i64(1, static_cast<std::int64_t>(sqn_ms));
    up.text(2, imsi);
    up.i64(3, static_cast<std::int64_t>(std::time(nullptr)));
    if (up.step() != SQLITE_DONE) return Unexpected{db_error(db_, "resync update")};
  }
  PROSE_TRY_STATUS(tx.commit());
  return out;
}

Result<std::size_t> SubscriberStore::count() {
  std::lock_guard lock(mu_);
  Stmt st(db_, "SELECT count(*) FROM subscribers");
  if (!st.ok() || st.step() != SQLITE_ROW) return Unexpected{db_error(db_, "count")};
  return static_cast<std::size_t>(st.col_i64(0));
}

}  // namespace prose::hss

// SQLite backend: WAL journal, synchronous=FULL (a commit is on disk when it returns), foreign keys on,
// a busy timeout so concurrent writers wait instead of failing.
#include <sqlite3.h>

#include <map>
#include <memory>
#include <regex>

#include "prose/store/db.h"

namespace prose::store {
namespace {

class SqliteDb final : public Db {
 public:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  ~SqliteDb() override {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }
  Dialect dialect() const override { return Dialect::kSqlite; }

  Result<std::vector<SqlRow>> query(const std::string& sql, const std::vector<SqlValue>& params) override {
    PROSE_TRY(sqlite3_stmt * stmt, prepare(sql));
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    for (std::size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i + 1);
      int rc = std::visit(
          [&](const auto& v) -> int {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>)
              return sqlite3_bind_null(stmt, idx);
            else if constexpr (std::is_same_v<T, std::int64_t>)
              return sqlite3_bind_int64(stmt, idx, v);
            else if constexpr (std::is_same_v<T, std::string>)
              return sqlite3_bind_text(stmt, idx, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
            else
              return sqlite3_bind_blob(stmt, idx, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
          },
          params[i]);
      if (rc != SQLITE_OK) return error("bind");
    }
    std::vector<SqlRow> rows;
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        Error e = error("step");
        sqlite3_reset(stmt);
        return e;
      }
      int n = sqlite3_column_count(stmt);
      SqlRow row;
      row.reserve(static_cast<std::size_t>(n));
      for (int c = 0; c < n; ++c) {
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_NULL:
            row.emplace_back(std::monostate{});
            break;
          case SQLITE_INTEGER:
            row.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(stmt, c)));
            break;
          case SQLITE_BLOB: {
            auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt, c));
            row.emplace_back(Bytes(p, p + sqlite3_column_bytes(stmt, c)));
            break;
          }
          default: {
            auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
            row.emplace_back(std::string(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt, c))));
          }
        }
      }
      rows.push_back(std::move(row));
    }
    sqlite3_reset(stmt);
    return rows;
  }

  Status exec_script(const std::string& sql) override {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string m = msg ? msg : "unknown";
      sqlite3_free(msg);
      return fail(Errc::kIo, "sqlite: " + m);
    }
    return ok_status();
  }
  Status begin() override { return exec_script("BEGIN IMMEDIATE"); }
  Status commit() override { return exec_script("COMMIT"); }
  void rollback() override { (void)exec_script("ROLLBACK"); }

 private:
  Result<sqlite3_stmt*> prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return it->second;
    // $N -> ?N (numbered parameters in SQLite's syntax).
    static const std::regex kParam(R"(\$([0-9]+))");
    std::string native = std::regex_replace(sql, kParam, "?$1");
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, native.c_str(), -1, &stmt, nullptr) != SQLITE_OK) return error("prepare");
    cache_.emplace(sql, stmt);
    return stmt;
  }
  Error error(const char* where) const {
    int ext = sqlite3_extended_errcode(db_);
    std::string msg = std::string("sqlite ") + where + ": " + sqlite3_errmsg(db_);
    if ((ext & 0xff) == SQLITE_CONSTRAINT && (ext == SQLITE_CONSTRAINT_PRIMARYKEY || ext == SQLITE_CONSTRAINT_UNIQUE)) {
      return make_error(Errc::kConflict, msg);
    }
    if ((ext & 0xff) == SQLITE_BUSY || (ext & 0xff) == SQLITE_LOCKED) return make_error(Errc::kTimeout, msg);
    return make_error(Errc::kIo, msg);
  }

  sqlite3* db_;
  std::map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace

Result<std::unique_ptr<Db>> open_sqlite(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close_v2(raw);
    return fail(Errc::kIo, "cannot open SQLite database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(raw, 10000);
  auto db = std::make_unique<SqliteDb>(raw);
  PROSE_TRY_STATUS(db->exec_script("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  return std::unique_ptr<Db>(std::move(db));
}

}  // namespace prose::store

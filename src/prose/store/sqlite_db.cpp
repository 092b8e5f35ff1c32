// SQLite backend: WAL journal, synchronous=FULL (a commit is on disk when it returns), foreign keys on,
// a busy timeout so concurrent writers wait instead of failing.
#include <sqlite3.h>

#include <map>
#include <memory>
#include <regex>
#include <utility>

#include "prose/store/db.h"
#include "prose/store/sqlite_stmt.h"

namespace prose::store {
namespace {

class SqliteDb final : public Db {
 public:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  ~SqliteDb() override {
    cache_.clear();  // finalised before the connection closes
    sqlite3_close_v2(db_);
  }
  Dialect dialect() const override { return Dialect::kSqlite; }

  Result<std::vector<SqlRow>> query(const std::string& sql, const std::vector<SqlValue>& params) override {
    PROSE_TRY(SqliteStmt * stmt, prepare(sql));
    stmt->reset();
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (stmt->bind(static_cast<int>(i + 1), params[i]) != SQLITE_OK) return error("bind");
    }
    std::vector<SqlRow> rows;
    for (;;) {
      int rc = stmt->step();
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        Error e = error("step");
        stmt->reset();
        return e;
      }
      rows.push_back(stmt->row());
    }
    stmt->reset();
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
  Result<SqliteStmt*> prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return &it->second;
    // $N -> ?N (numbered parameters in SQLite's syntax).
    static const std::regex kParam(R"(\$([0-9]+))");
    std::string native = std::regex_replace(sql, kParam, "?$1");
    SqliteStmt stmt(db_, native.c_str());
    if (!stmt.ok()) return error("prepare");
    return &cache_.emplace(sql, std::move(stmt)).first->second;
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
  std::map<std::string, SqliteStmt> cache_;
};

}  // namespace

Result<std::unique_ptr<Db>> open_sqlite(const std::string& path) {
  PROSE_TRY(sqlite3 * raw, open_sqlite_file(path, "SQLite database"));
  auto db = std::make_unique<SqliteDb>(raw);
  PROSE_TRY_STATUS(db->exec_script("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  return std::unique_ptr<Db>(std::move(db));
}

}  // namespace prose::store

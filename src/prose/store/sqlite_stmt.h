// One prepared SQLite statement (RAII): typed binds, steps and column reads. The one statement wrapper of the
// project, and open_sqlite_file the one way it opens a SQLite file: the PKMF's SQLite backend (sqlite_db.cpp,
// through store::Db) and the HSS subscriber store use both.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "prose/store/db.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace prose::store {

// Opens (creating it) the SQLite file `path` read-write, without SQLite's own mutex, with a 10 s busy timeout. On
// failure kIo "cannot open <what> <path>: <SQLite's message>". The caller owns (and closes) the handle.
Result<sqlite3*> open_sqlite_file(const std::string& path, std::string_view what);

class SqliteStmt {
 public:
  // Prepares `sql` (SQLite's own ?N placeholders) on `db`; ok() tells whether that worked (sqlite3_errmsg(db) why).
  SqliteStmt(sqlite3* db, const char* sql);
  ~SqliteStmt();
  SqliteStmt(SqliteStmt&& o) noexcept;
  SqliteStmt& operator=(SqliteStmt&&) = delete;
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;

  bool ok() const { return rc_ == 0; }
  // Ready to run again: the previous run's state and every binding are cleared.
  void reset();

  // Binds parameter i (1-based); the value is copied. Each returns SQLite's result code (SQLITE_OK on success).
  int text(int i, std::string_view s);
  int blob(int i, ByteView b);
  int i64(int i, std::int64_t v);
  int null(int i);
  int bind(int i, const SqlValue& v);

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();

  Bytes col_blob(int i);
  std::int64_t col_i64(int i);
  // Every column of the current row, by its SQLite storage class (NULL, INTEGER, TEXT, BLOB; REAL reads as text).
  SqlRow row();

 private:
  sqlite3_stmt* st_ = nullptr;
  int rc_;
};

}  // namespace prose::store

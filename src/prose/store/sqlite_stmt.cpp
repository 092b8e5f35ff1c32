#include "prose/store/sqlite_stmt.h"

#include <sqlite3.h>

#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace prose::store {

Result<sqlite3*> open_sqlite_file(const std::string& path, std::string_view what) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return fail(Errc::kIo, "cannot open " + std::string(what) + " " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db, 10000);
  return db;
}

SqliteStmt::SqliteStmt(sqlite3* db, const char* sql) : rc_(sqlite3_prepare_v2(db, sql, -1, &st_, nullptr)) {}

SqliteStmt::~SqliteStmt() { sqlite3_finalize(st_); }

SqliteStmt::SqliteStmt(SqliteStmt&& o) noexcept : st_(std::exchange(o.st_, nullptr)), rc_(o.rc_) {}

void SqliteStmt::reset() {
  sqlite3_reset(st_);
  sqlite3_clear_bindings(st_);
}

int SqliteStmt::text(int i, std::string_view s) {
  return sqlite3_bind_text(st_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
}

int SqliteStmt::blob(int i, ByteView b) {
  return sqlite3_bind_blob(st_, i, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
}

int SqliteStmt::i64(int i, std::int64_t v) { return sqlite3_bind_int64(st_, i, v); }

int SqliteStmt::null(int i) { return sqlite3_bind_null(st_, i); }

int SqliteStmt::bind(int i, const SqlValue& v) {
  return std::visit(
      [&](const auto& x) -> int {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>)
          return null(i);
        else if constexpr (std::is_same_v<T, std::int64_t>)
          return i64(i, x);
        else if constexpr (std::is_same_v<T, std::string>)
          return text(i, x);
        else
          return blob(i, x);
      },
      v);
}

int SqliteStmt::step() { return sqlite3_step(st_); }

Bytes SqliteStmt::col_blob(int i) {
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(st_, i));
  int n = sqlite3_column_bytes(st_, i);
  return p ? Bytes(p, p + n) : Bytes{};
}

std::int64_t SqliteStmt::col_i64(int i) { return sqlite3_column_int64(st_, i); }

SqlRow SqliteStmt::row() {
  int n = sqlite3_column_count(st_);
  SqlRow row;
  row.reserve(static_cast<std::size_t>(n));
  for (int c = 0; c < n; ++c) {
    switch (sqlite3_column_type(st_, c)) {
      case SQLITE_NULL:
        row.emplace_back(std::monostate{});
        break;
      case SQLITE_INTEGER:
        row.emplace_back(col_i64(c));
        break;
      case SQLITE_BLOB:
        row.emplace_back(col_blob(c));
        break;
      default: {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, c));
        row.emplace_back(std::string(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(st_, c))));
      }
    }
  }
  return row;
}

}  // namespace prose::store

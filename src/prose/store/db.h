// A minimal SQL connection interface with two implementations (SQLite, PostgreSQL), so the PKMF's store logic
// is written once. SQL uses $1, $2, ... placeholders in both dialects.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose::store {

using SqlValue = std::variant<std::monostate, std::int64_t, std::string, Bytes>;
using SqlRow = std::vector<SqlValue>;

enum class Dialect { kSqlite, kPostgres };

class Db {
 public:
  virtual ~Db() = default;
  virtual Dialect dialect() const = 0;
  // False once the connection to the server is lost (PostgreSQL); an embedded database is always connected.
  virtual bool connected() const { return true; }
  // The server this connection reached, "host:port" (PostgreSQL: with a multi-host URL, the one libpq chose); empty
  // for an embedded database.
  virtual std::string server() const { return {}; }
  // True when the server accepts writes (PostgreSQL: not a standby in recovery, not read-only by default).
  virtual Result<bool> read_write() { return true; }
  // Runs one statement. Unique-constraint violations map to Errc::kConflict, busy/locked to Errc::kTimeout,
  // everything else to Errc::kIo with the server's message.
  virtual Result<std::vector<SqlRow>> query(const std::string& sql, const std::vector<SqlValue>& params = {}) = 0;
  // Several statements without parameters (schema scripts).
  virtual Status exec_script(const std::string& sql) = 0;
  virtual Status begin() = 0;  // SQLite: BEGIN IMMEDIATE (take the write lock up front)
  virtual Status commit() = 0;
  virtual void rollback() = 0;
};

Result<std::unique_ptr<Db>> open_sqlite(const std::string& path);
Result<std::unique_ptr<Db>> open_postgres(const std::string& conninfo);

// Accessors that turn a wrong column type into an error instead of a crash.
Result<std::int64_t> col_int(const SqlRow& row, std::size_t i);
Result<std::string> col_text(const SqlRow& row, std::size_t i);
Result<Bytes> col_blob(const SqlRow& row, std::size_t i);
bool col_null(const SqlRow& row, std::size_t i);

}  // namespace prose::store

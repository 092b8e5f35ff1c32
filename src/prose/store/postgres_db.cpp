// PostgreSQL backend on libpq: binary-safe parameters, SQLSTATE-based error mapping.
#include <libpq-fe.h>

#include <cstring>
#include <map>
#include <memory>
#include <string>

#include "prose/store/db.h"

namespace prose::store {
namespace {

using PgResult = std::unique_ptr<PGresult, decltype(&PQclear)>;

// Column type OIDs we decode (pg_type.h).
constexpr Oid kInt8Oid = 20, kInt4Oid = 23, kInt2Oid = 21, kByteaOid = 17;

class PostgresDb final : public Db {
 public:
  explicit PostgresDb(PGconn* conn) : conn_(conn) {}
  ~PostgresDb() override { PQfinish(conn_); }
  Dialect dialect() const override { return Dialect::kPostgres; }
  bool connected() const override { return PQstatus(conn_) == CONNECTION_OK; }
  std::string server() const override {
    const char* host = PQhost(conn_);
    const char* port = PQport(conn_);
    return std::string(host ? host : "") + ":" + (port ? port : "");
  }
  Result<bool> read_write() override {
    PROSE_TRY(auto rows, query("SELECT CASE WHEN pg_is_in_recovery() OR current_setting('transaction_read_only') = "
                               "'on' THEN 0 ELSE 1 END::int8",
                               {}));
    if (rows.empty()) return fail(Errc::kInternal, "postgres: no answer to pg_is_in_recovery()");
    PROSE_TRY(std::int64_t rw, col_int(rows[0], 0));
    return rw == 1;
  }

  Result<std::vector<SqlRow>> query(const std::string& sql, const std::vector<SqlValue>& params) override {
    std::vector<std::string> text(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    std::vector<int> lengths(params.size(), 0);
    std::vector<int> formats(params.size(), 0);
    std::vector<Oid> types(params.size(), 0);
    for (std::size_t i = 0; i < params.size(); ++i) {
      const SqlValue& v = params[i];
      if (std::holds_alternative<std::int64_t>(v)) {
        text[i] = std::to_string(std::get<std::int64_t>(v));
        values[i] = text[i].c_str();
        types[i] = kInt8Oid;
      } else if (std::holds_alternative<std::string>(v)) {
        values[i] = std::get<std::string>(v).c_str();
      } else if (std::holds_alternative<Bytes>(v)) {
        const Bytes& b = std::get<Bytes>(v);
        values[i] = reinterpret_cast<const char*>(b.data());
        lengths[i] = static_cast<int>(b.size());
        formats[i] = 1;
        types[i] = kByteaOid;
      }
    }
    PROSE_TRY(const std::string* name, prepared(sql, types));
    PgResult res(name != nullptr ? PQexecPrepared(conn_, name->c_str(), static_cast<int>(params.size()), values.data(),
                                                  lengths.data(), formats.data(), 1)
                                 : PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), types.data(),
                                                values.data(), lengths.data(), formats.data(), 1),
                 &PQclear);
    if (!res) return fail(Errc::kIo, std::string("postgres: ") + PQerrorMessage(conn_));
    ExecStatusType st = PQresultStatus(res.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return error(res.get());
    std::vector<SqlRow> rows;
    int nrows = PQntuples(res.get()), ncols = PQnfields(res.get());
    rows.reserve(static_cast<std::size_t>(nrows));
    for (int r = 0; r < nrows; ++r) {
      SqlRow row;
      for (int c = 0; c < ncols; ++c) {
        if (PQgetisnull(res.get(), r, c)) {
          row.emplace_back(std::monostate{});
          continue;
        }
        const char* p = PQgetvalue(res.get(), r, c);
        int len = PQgetlength(res.get(), r, c);
        Oid type = PQftype(res.get(), c);
        if (type == kInt8Oid && len == 8) {
          std::uint64_t x = 0;
          for (int k = 0; k < 8; ++k) x = (x << 8) | static_cast<std::uint8_t>(p[k]);
          row.emplace_back(static_cast<std::int64_t>(x));
        } else if (type == kInt4Oid && len == 4) {
          std::uint32_t x = 0;
          for (int k = 0; k < 4; ++k) x = (x << 8) | static_cast<std::uint8_t>(p[k]);
          row.emplace_back(static_cast<std::int64_t>(static_cast<std::int32_t>(x)));
        } else if (type == kInt2Oid && len == 2) {
          auto x = static_cast<std::uint16_t>((static_cast<std::uint8_t>(p[0]) << 8) | static_cast<std::uint8_t>(p[1]));
          row.emplace_back(static_cast<std::int64_t>(static_cast<std::int16_t>(x)));
        } else if (type == kByteaOid) {
          auto* b = reinterpret_cast<const std::uint8_t*>(p);
          row.emplace_back(Bytes(b, b + len));
        } else {
          row.emplace_back(std::string(p, static_cast<std::size_t>(len)));
        }
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

  Status exec_script(const std::string& sql) override {
    PgResult res(PQexec(conn_, sql.c_str()), &PQclear);
    if (!res) return fail(Errc::kIo, std::string("postgres: ") + PQerrorMessage(conn_));
    ExecStatusType st = PQresultStatus(res.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return error(res.get());
    return ok_status();
  }
  Status begin() override { return exec_script("BEGIN"); }
  Status commit() override { return exec_script("COMMIT"); }
  void rollback() override { (void)exec_script("ROLLBACK"); }

 private:
  // Data statements are prepared once per connection (the server parses and plans them once); other statements
  // (DDL of the migrations) and anything past the cache bound run unprepared. nullptr: run unprepared.
  static constexpr std::size_t kMaxPrepared = 256;
  Result<const std::string*> prepared(const std::string& sql, const std::vector<Oid>& types) {
    auto it = prepared_.find(sql);
    if (it != prepared_.end()) return &it->second;
    const bool data_statement = sql.rfind("SELECT", 0) == 0 || sql.rfind("INSERT", 0) == 0 ||
                                sql.rfind("UPDATE", 0) == 0 || sql.rfind("DELETE", 0) == 0;
    if (!data_statement || prepared_.size() >= kMaxPrepared) return static_cast<const std::string*>(nullptr);
    std::string name = "prose_" + std::to_string(prepared_.size());
    PgResult res(PQprepare(conn_, name.c_str(), sql.c_str(), static_cast<int>(types.size()), types.data()), &PQclear);
    if (!res) return fail(Errc::kIo, std::string("postgres: ") + PQerrorMessage(conn_));
    if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) return error(res.get());
    return &prepared_.emplace(sql, std::move(name)).first->second;
  }

  Error error(PGresult* res) const {
    const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    std::string msg = std::string("postgres: ") + PQresultErrorMessage(res);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    if (state && std::strcmp(state, "23505") == 0) return make_error(Errc::kConflict, msg);
    if (state &&
        (std::strcmp(state, "40001") == 0 || std::strcmp(state, "40P01") == 0 || std::strcmp(state, "55P03") == 0)) {
      return make_error(Errc::kTimeout, msg);
    }
    return make_error(Errc::kIo, msg);
  }
  PGconn* conn_;
  std::map<std::string, std::string> prepared_;  // SQL text -> statement name
};

}  // namespace

Result<std::unique_ptr<Db>> open_postgres(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    std::string msg = conn ? PQerrorMessage(conn) : "out of memory";
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    PQfinish(conn);
    return fail(Errc::kIo, "cannot connect to PostgreSQL: " + msg);
  }
  auto db = std::make_unique<PostgresDb>(conn);
  // Our prepared statements are key lookups whose best plan does not depend on the values: plan them once per
  // connection. By default the server plans a prepared statement again for every execution (custom plans) as long
  // as the generic plan does not look cheaper; under pkmf-load that planning was about 30% of the server's CPU
  // (perf, docs/performance/pkmf.md).
  PROSE_TRY_STATUS(db->exec_script("SET client_min_messages TO WARNING; SET plan_cache_mode TO force_generic_plan"));
  return std::unique_ptr<Db>(std::move(db));
}

}  // namespace prose::store

// The Store over Db: the integrity check (`prose admin check`): every row of every table read, a digest of the
// contents, the database's own checks, and every wrapped key opened.
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <memory>

#include "prose/store/key_wrap.h"
#include "prose/store/schema.h"
#include "prose/store/sql_store_internal.h"
#include "prose/util/hex.h"

namespace prose::store::detail {
namespace {

constexpr std::size_t kMaxCheckProblems = 100;  // Store::check() lists this many, then counts the rest

using Sha256 = std::array<std::uint8_t, 32>;

// SHA-256 over the parts, each preceded by its length (so that no two sequences of parts hash alike).
class Sha256Builder {
 public:
  Sha256Builder() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) { EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr); }
  void add(const void* data, std::size_t n) {
    std::uint8_t len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(n) >> (56 - 8 * i));
    EVP_DigestUpdate(ctx_.get(), len, sizeof len);
    EVP_DigestUpdate(ctx_.get(), data, n);
  }
  void add(std::string_view s) { add(s.data(), s.size()); }
  Sha256 finish() {
    Sha256 out{};
    unsigned n = 0;
    EVP_DigestFinal_ex(ctx_.get(), out.data(), &n);
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

Sha256 row_hash(const SqlRow& row) {
  Sha256Builder h;
  for (const SqlValue& v : row) {
    std::visit(
        [&h](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::monostate>) {
            h.add("N");
          } else if constexpr (std::is_same_v<T, std::int64_t>) {
            h.add("I");
            h.add(std::to_string(x));
          } else if constexpr (std::is_same_v<T, std::string>) {
            h.add("T");
            h.add(x);
          } else {
            h.add("B");
            h.add(x.data(), x.size());
          }
        },
        v);
  }
  return h.finish();
}

std::string quote_identifier(const std::string& name) {
  std::string q = "\"";
  for (char c : name) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

Result<StoreCheck> SqlStore::check() {
  StoreCheck out;
  std::size_t more = 0;
  auto problem = [&](std::string p) {
    if (out.problems.size() < kMaxCheckProblems)
      out.problems.push_back(std::move(p));
    else
      ++more;
  };
  const bool sqlite = db_->dialect() == Dialect::kSqlite;

  // Rows and digest: every table, each row hashed, a table's row hashes sorted (order-independent).
  PROSE_TRY(auto tables,
            db_->query(sqlite ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' "
                                "ORDER BY name"
                              : "SELECT table_name::text FROM information_schema.tables WHERE table_schema = "
                                "current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"));
  Sha256Builder digest;
  for (const auto& t : tables) {
    PROSE_TRY(std::string name, col_text(t, 0));
    PROSE_TRY(auto rows, db_->query("SELECT * FROM " + quote_identifier(name)));
    std::vector<Sha256> hashes;
    hashes.reserve(rows.size());
    for (const auto& row : rows) hashes.push_back(row_hash(row));
    std::sort(hashes.begin(), hashes.end());
    digest.add(name);
    for (const auto& h : hashes) digest.add(h.data(), h.size());
    out.rows.emplace_back(name, rows.size());
  }
  out.digest = to_hex(digest.finish());

  // The database's own view.
  PROSE_TRY(int version, current_schema_version(*db_));
  if (version != latest_schema_version())
    problem("schema version " + std::to_string(version) + ", expected " + std::to_string(latest_schema_version()));
  if (sqlite) {
    PROSE_TRY(auto ic, db_->query("PRAGMA integrity_check"));
    for (const auto& row : ic) {
      PROSE_TRY(std::string line, col_text(row, 0));
      if (line != "ok") problem("sqlite integrity_check: " + line);
    }
    PROSE_TRY(auto fk, db_->query("PRAGMA foreign_key_check"));
    for (const auto& row : fk) {
      PROSE_TRY(std::string table, col_text(row, 0));
      PROSE_TRY(std::string parent, col_text(row, 2));
      problem("table " + table + ": a row refers to a missing " + parent + " row");
    }
  } else {
    for (const auto& [table, key, parent] :
         {std::array<const char*, 3>{"pruk", "imsi", "ue"}, std::array<const char*, 3>{"ue_rsc", "imsi", "ue"},
          std::array<const char*, 3>{"relay_rsc", "relay_id", "relay"}}) {
      PROSE_TRY(auto rows, db_->query(std::string("SELECT COUNT(*) FROM ") + table + " WHERE " + key +
                                      " NOT IN (SELECT " + key + " FROM " + parent + ")"));
      PROSE_TRY(std::int64_t n, col_int(rows.at(0), 0));
      if (n != 0) problem("table " + std::string(table) + ": " + std::to_string(n) + " rows without their " + parent);
    }
  }

  // PRUKs: IDs, sources, issue order, and every key opens under the KEK with its row's label.
  PROSE_TRY(auto pruks, db_->query("SELECT pruk_id, imsi, pruk, source, issued_seq FROM pruk"));
  for (const auto& row : pruks) {
    PROSE_TRY(std::int64_t id, col_int(row, 0));
    PROSE_TRY(std::string imsi, col_text(row, 1));
    PROSE_TRY(Bytes blob, col_blob(row, 2));
    PROSE_TRY(std::int64_t source, col_int(row, 3));
    PROSE_TRY(std::int64_t seq, col_int(row, 4));
    const std::string what = "PRUK " + to_hex_u64(from_db(id)) + " of UE " + imsi;
    if (id == 0) problem(what + ": PRUK ID 0 is reserved");
    if (source != static_cast<int>(PrukSource::kMikey) && source != static_cast<int>(PrukSource::kGbaPush))
      problem(what + ": unknown source " + std::to_string(source));
    if (seq < 1) problem(what + ": no issue order");
    if (auto k = unwrap_key(kek_, blob, pruk_label(from_db(id))); !k.ok())
      problem(what + ": key does not open (" + k.error().message + ")");
  }
  PROSE_TRY(auto seqs, db_->query("SELECT imsi, issued_seq FROM pruk GROUP BY imsi, issued_seq HAVING COUNT(*) > 1"));
  for (const auto& row : seqs) {
    PROSE_TRY(std::string imsi, col_text(row, 0));
    problem("UE " + imsi + ": two PRUKs with one issue order");
  }
  // PMKs: ID and key together, and the key opens.
  PROSE_TRY(auto pmks, db_->query("SELECT imsi, pmk_id, pmk FROM ue WHERE pmk_id IS NOT NULL OR pmk IS NOT NULL"));
  for (const auto& row : pmks) {
    PROSE_TRY(std::string imsi, col_text(row, 0));
    if (col_null(row, 1) || col_null(row, 2)) {
      problem("UE " + imsi + ": PMK ID without PMK or PMK without ID");
      continue;
    }
    PROSE_TRY(std::int64_t id, col_int(row, 1));
    PROSE_TRY(Bytes blob, col_blob(row, 2));
    if (auto k = unwrap_key(kek_, blob, pmk_label(imsi, from_db(id))); !k.ok())
      problem("PMK of UE " + imsi + ": key does not open (" + k.error().message + ")");
  }
  // PSDKs.
  PROSE_TRY(auto psdks, db_->query("SELECT rsc, generation, psdk_id, psdk, created_at, expires_at FROM psdk"));
  for (const auto& row : psdks) {
    PsdkRecord r;
    PROSE_TRY(std::int64_t rsc, col_int(row, 0));
    PROSE_TRY(std::int64_t gen, col_int(row, 1));
    PROSE_TRY(std::int64_t id, col_int(row, 2));
    PROSE_TRY(Bytes blob, col_blob(row, 3));
    PROSE_TRY(r.created_at, col_int(row, 4));
    PROSE_TRY(r.expires_at, col_int(row, 5));
    r.rsc = static_cast<std::uint32_t>(rsc);
    r.generation = from_db(gen);
    r.psdk_id = static_cast<std::uint32_t>(id);
    const std::string what = "PSDK generation " + std::to_string(gen) + " of " + psdk_audit_subject(r.rsc);
    if (rsc < 0 || rsc > 0xffffff || id <= 0 || id > 0xffffffffLL || gen < 1)
      problem(what + ": RSC, ID or generation out of range");
    else if (auto k = unwrap_key(kek_, blob, psdk_label(r)); !k.ok())
      problem(what + ": key does not open (" + k.error().message + ")");
  }
  // Relay Service Codes are 24 bits.
  for (const char* table : {"ue_rsc", "relay_rsc"}) {
    PROSE_TRY(auto rows, db_->query(std::string("SELECT COUNT(*) FROM ") + table + " WHERE rsc < 0 OR rsc > 16777215"));
    PROSE_TRY(std::int64_t n, col_int(rows.at(0), 0));
    if (n != 0) problem("table " + std::string(table) + ": " + std::to_string(n) + " Relay Service Codes over 24 bits");
  }
  if (more != 0) out.problems.push_back("... and " + std::to_string(more) + " more");
  return out;
}

Status SqlStore::check_kek() {
  const auto refused = [](const std::string& what) {
    return fail(Errc::kAuthFailed, what +
                                       " does not open under this key-encryption key: the store was written under "
                                       "another [store] kek");
  };
  PROSE_TRY(auto pruks, db_->query("SELECT pruk_id, pruk FROM pruk ORDER BY pruk_id LIMIT 1"));
  for (const auto& row : pruks) {
    PROSE_TRY(std::int64_t id, col_int(row, 0));
    PROSE_TRY(Bytes blob, col_blob(row, 1));
    if (!unwrap_key(kek_, blob, pruk_label(from_db(id))).ok()) return refused("PRUK " + to_hex_u64(from_db(id)));
  }
  PROSE_TRY(auto pmks,
            db_->query("SELECT imsi, pmk_id, pmk FROM ue WHERE pmk_id IS NOT NULL AND pmk IS NOT NULL ORDER BY imsi "
                       "LIMIT 1"));
  for (const auto& row : pmks) {
    PROSE_TRY(std::string imsi, col_text(row, 0));
    PROSE_TRY(std::int64_t id, col_int(row, 1));
    PROSE_TRY(Bytes blob, col_blob(row, 2));
    if (!unwrap_key(kek_, blob, pmk_label(imsi, from_db(id))).ok()) return refused("the PMK of UE " + imsi);
  }
  return ok_status();
}

}  // namespace prose::store::detail

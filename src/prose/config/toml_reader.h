// Reading the TOML configuration files of the servers (PKMF, ProSe Function): typed keys with errors that name the
// file and the dotted key, paths relative to the configuration file, and the [tls] and [store] blocks they share.
// toml++ is included only by the users of this header.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>

#include "prose/net/plain_server.h"
#include "prose/net/tls.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::config {

// Parses `path`; a syntax error is kInvalidArgument "<path>:<line>:<column>: <description>".
Result<toml::table> parse_file(const std::string& path);

// Every top-level key of `root` must be in `known`: else kInvalidArgument "<path>: unknown section [<name>]".
Status check_sections(const toml::table& root, const std::string& path, const std::set<std::string>& known);

// Reads keys of tables of one file; the first problem wins: kInvalidArgument "<file>: <key>: <problem>".
class TomlReader {
 public:
  // kExact: a key must have exactly the TOML type asked for. kPermissive: toml++'s lossless conversions are
  // accepted (an integer for a bool, 8443.0 for an integer...).
  enum class Types { kExact, kPermissive };

  explicit TomlReader(std::string file, Types types = Types::kExact);

  const std::string& file() const { return file_; }
  bool ok() const { return !err_; }
  const std::optional<Error>& error() const { return err_; }
  // Records a problem with `key` unless one was recorded before.
  void bad(const std::string& key, const std::string& problem);
  // Records `e` unless a problem was recorded before.
  void fail(Error e);

  // `p` relative to the directory of the configuration file (empty and absolute paths unchanged).
  std::string path(const std::string& p) const;

  // The table `name` of `root` (nullptr when absent; "must be a table" when it is something else).
  const toml::table* table(const toml::table& root, const std::string& name);
  // The sub-table `name` of `t` at `where` (nullptr when absent or `t` is nullptr).
  const toml::table* subtable(const toml::table* t, const std::string& where, const std::string& name);
  // Every key of `t` (sub-tables included) must be in `known`: else "<where>.<key>: unknown key".
  void only(const toml::table* t, const std::string& where, std::initializer_list<std::string_view> known);

  // Key `key` of `t` (nullopt when `t` is nullptr or the key is absent; "wrong type" when it cannot be a T).
  template <typename T>
  std::optional<T> get(const toml::table* t, const std::string& where, const std::string& key) {
    if (t == nullptr) return std::nullopt;
    const toml::node* n = t->get(key);
    if (n == nullptr) return std::nullopt;
    auto v = convertible<T>(*n) ? n->value<T>() : std::nullopt;
    if (!v || (types_ == Types::kExact && !exact<T>(*n))) {
      bad(where + "." + key, "wrong type");
      return std::nullopt;
    }
    return v;
  }
  std::string str(const toml::table* t, const std::string& where, const std::string& key, std::string def);
  // "must be between <lo> and <hi>" when out of range.
  std::int64_t num(const toml::table* t, const std::string& where, const std::string& key, std::int64_t def,
                   std::int64_t lo, std::int64_t hi);
  bool flag(const toml::table* t, const std::string& where, const std::string& key, bool def);
  // "missing" when `p` is empty, "no such file <p>" when it does not exist.
  void check_file(const std::string& key, const std::string& p);

 private:
  // toml++ converts a float to an integer with a cast that is undefined out of range: only finite floats within
  // the range of int64 get that far (the others are "wrong type", as are the fractional ones).
  template <typename T>
  static bool convertible(const toml::node& n) {
    if constexpr (std::is_same_v<T, std::int64_t>) {
      if (const auto* f = n.as_floating_point()) return f->get() >= -0x1p63 && f->get() < 0x1p63;
    }
    return true;
  }
  template <typename T>
  static bool exact(const toml::node& n) {
    if constexpr (std::is_same_v<T, std::int64_t>) return n.is_integer();
    if constexpr (std::is_same_v<T, bool>) return n.is_boolean();
    if constexpr (std::is_same_v<T, std::string>) return n.is_string();
    return true;
  }

  std::string file_;
  std::string base_;
  Types types_;
  std::optional<Error> err_;
};

// [tls] (at `where`): cert, key, ca (required, must exist), crl (optional, must exist when given) and keylog,
// relative to the configuration file.
void read_tls(TomlReader& r, const toml::table* t, const std::string& where, net::TlsServerSettings& tls);

// [tls] mode = "gba" (a GBA NAF, TS 33.222 PSK-TLS; at `where`): naf_fqdn (default `default_fqdn`, not empty),
// keylog, and relay_imsis = { <relay id> = "<IMSI>", ... }: the relays that bootstrap with a USIM, so that the
// connection of that IMSI is the relay's. Other keys of the table (but `mode`) are refused.
struct GbaTlsSettings {
  std::string naf_fqdn;
  std::map<std::string, std::string, std::less<>> relay_by_imsi;  // IMSI -> relay id
};
GbaTlsSettings read_gba_tls(TomlReader& r, const toml::table* t, const std::string& where,
                            const std::string& default_fqdn, net::TlsServerSettings& tls);

// metrics_listen (at `where`): "HOST:PORT" on a loopback address (net::parse_loopback_endpoint), nullopt when absent
// or empty; "<where>.metrics_listen: <why>" otherwise.
std::optional<net::LoopbackEndpoint> read_metrics_listen(TomlReader& r, const toml::table* t, const std::string& where);

struct StoreSettings {
  std::string url;  // "sqlite:<absolute path>" or "postgresql://..."
  SecretBytes kek;  // 32 octets: key-encryption key for the secrets at rest
};

// [store] (at `where`): url (sqlite: paths relative to the configuration file), kek (64 hex digits) or kek_env
// (the name of an environment variable holding them; it wins over kek).
StoreSettings read_store(TomlReader& r, const toml::table* t, const std::string& where);

}  // namespace prose::config

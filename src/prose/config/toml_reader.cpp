#include "prose/config/toml_reader.h"

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <utility>

namespace prose::config {

namespace fs = std::filesystem;

Result<toml::table> parse_file(const std::string& path) {
  try {
    return toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << path << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
    return prose::fail(Errc::kInvalidArgument, os.str());
  }
}

Status check_sections(const toml::table& root, const std::string& path, const std::set<std::string>& known) {
  for (const auto& [k, v] : root) {
    if (!known.count(std::string(k.str()))) {
      return prose::fail(Errc::kInvalidArgument, path + ": unknown section [" + std::string(k.str()) + "]");
    }
  }
  return {};
}

TomlReader::TomlReader(std::string file, Types types)
    : file_(std::move(file)), base_(fs::absolute(file_).parent_path().string()), types_(types) {}

void TomlReader::bad(const std::string& key, const std::string& problem) {
  if (!err_) err_ = make_error(Errc::kInvalidArgument, file_ + ": " + key + ": " + problem);
}

void TomlReader::fail(Error e) {
  if (!err_) err_ = std::move(e);
}

std::string TomlReader::path(const std::string& p) const {
  return p.empty() || fs::path(p).is_absolute() ? p : (fs::path(base_) / p).string();
}

const toml::table* TomlReader::table(const toml::table& root, const std::string& name) {
  const toml::node* n = root.get(name);
  if (n == nullptr) return nullptr;
  if (!n->is_table()) {
    bad(name, "must be a table");
    return nullptr;
  }
  return n->as_table();
}

const toml::table* TomlReader::subtable(const toml::table* t, const std::string& where, const std::string& name) {
  if (t == nullptr) return nullptr;
  const toml::node* n = t->get(name);
  if (n == nullptr) return nullptr;
  if (!n->is_table()) {
    bad(where + "." + name, "must be a table");
    return nullptr;
  }
  return n->as_table();
}

void TomlReader::only(const toml::table* t, const std::string& where, std::initializer_list<std::string_view> known) {
  if (t == nullptr) return;
  for (const auto& [k, v] : *t) {
    bool ok = false;
    for (auto n : known) ok = ok || n == k.str();
    if (!ok) bad(where + "." + std::string(k.str()), "unknown key");
  }
}

std::string TomlReader::str(const toml::table* t, const std::string& where, const std::string& key, std::string def) {
  return get<std::string>(t, where, key).value_or(std::move(def));
}

std::int64_t TomlReader::num(const toml::table* t, const std::string& where, const std::string& key, std::int64_t def,
                             std::int64_t lo, std::int64_t hi) {
  auto v = get<std::int64_t>(t, where, key).value_or(def);
  if (v < lo || v > hi) bad(where + "." + key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return v;
}

bool TomlReader::flag(const toml::table* t, const std::string& where, const std::string& key, bool def) {
  return get<bool>(t, where, key).value_or(def);
}

void TomlReader::check_file(const std::string& key, const std::string& p) {
  std::error_code ec;  // the non-throwing overload: a name the file system refuses (too long) is an error, not a throw
  if (p.empty())
    bad(key, "missing");
  else if (!fs::exists(p, ec))
    bad(key, ec ? "cannot use " + p + ": " + ec.message() : "no such file " + p);
}

void read_tls(TomlReader& r, const toml::table* t, const std::string& where, net::TlsServerSettings& tls) {
  tls.cert_file = r.path(r.str(t, where, "cert", ""));
  tls.key_file = r.path(r.str(t, where, "key", ""));
  tls.ca_file = r.path(r.str(t, where, "ca", ""));
  tls.keylog_file = r.path(r.str(t, where, "keylog", ""));
  tls.crl_file = r.path(r.str(t, where, "crl", ""));
  r.check_file(where + ".cert", tls.cert_file);
  r.check_file(where + ".key", tls.key_file);
  r.check_file(where + ".ca", tls.ca_file);
  if (!tls.crl_file.empty()) r.check_file(where + ".crl", tls.crl_file);
}

GbaTlsSettings read_gba_tls(TomlReader& r, const toml::table* t, const std::string& where,
                            const std::string& default_fqdn, net::TlsServerSettings& tls) {
  r.only(t, where, {"mode", "naf_fqdn", "keylog", "relay_imsis"});
  GbaTlsSettings g;
  g.naf_fqdn = r.str(t, where, "naf_fqdn", default_fqdn);
  if (g.naf_fqdn.empty()) r.bad(where + ".naf_fqdn", "must not be empty");
  tls.keylog_file = r.path(r.str(t, where, "keylog", ""));
  const toml::table* relays = r.subtable(t, where, "relay_imsis");
  if (relays == nullptr) return g;
  for (const auto& [id, node] : *relays) {
    const std::string key = where + ".relay_imsis." + std::string(id.str());
    const auto imsi = node.value<std::string>();
    const bool digits =
        imsi && imsi->size() >= 6 && imsi->size() <= 15 && imsi->find_first_not_of("0123456789") == std::string::npos;
    if (!node.is_string() || !digits) {
      r.bad(key, "must be an IMSI (6 to 15 digits, as a string)");
      continue;
    }
    if (!net::PeerIdentity::relay(id.str()).ok()) {
      r.bad(key, "not a relay id");
      continue;
    }
    if (!g.relay_by_imsi.emplace(*imsi, std::string(id.str())).second) r.bad(key, "IMSI given to two relays");
  }
  return g;
}

std::optional<net::LoopbackEndpoint> read_metrics_listen(TomlReader& r, const toml::table* t,
                                                         const std::string& where) {
  std::string text = r.str(t, where, "metrics_listen", "");
  if (text.empty()) return std::nullopt;
  auto ep = net::parse_loopback_endpoint(text);
  if (!ep.ok()) {
    r.bad(where + ".metrics_listen", ep.error().message);
    return std::nullopt;
  }
  return std::move(*ep);
}

StoreSettings read_store(TomlReader& r, const toml::table* t, const std::string& where) {
  StoreSettings s;
  std::string url = r.str(t, where, "url", "");
  if (url.empty()) r.bad(where + ".url", "missing (sqlite:PATH or postgresql://...)");
  if (url.rfind("sqlite:", 0) == 0) url = "sqlite:" + r.path(url.substr(7));
  s.url = url;
  std::string kek_hex = r.str(t, where, "kek", "");
  std::string kek_env = r.str(t, where, "kek_env", "");
  if (!kek_env.empty()) {
    const char* v = std::getenv(kek_env.c_str());
    if (v == nullptr)
      r.bad(where + ".kek_env", "environment variable " + kek_env + " is not set");
    else
      kek_hex = v;
  }
  if (!kek_hex.empty()) {
    auto kek = SecretBytes::from_hex_exact(kek_hex, 32, where + ".kek");
    if (!kek.ok())
      r.bad(where + ".kek", kek.error().message);
    else
      s.kek = std::move(*kek);
  } else {
    r.bad(where + ".kek", "missing: give kek (64 hex digits) or kek_env (name of an environment variable)");
  }
  return s;
}

}  // namespace prose::config

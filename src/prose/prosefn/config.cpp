#include "prose/prosefn/config.h"

#include <toml++/toml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "prose/net/pki.h"
#include "prose/prosefn/constants.h"
#include "prose/prosefn/toml_section.h"
#include "prose/util/random.h"

namespace prose::prosefn {
namespace {

namespace fs = std::filesystem;

// Reads keys of one table; the first problem wins and names the file and the dotted key.
struct Reader {
  std::string file;
  fs::path base;
  std::optional<Error> err;

  void bad(const std::string& key, const std::string& problem) {
    if (!err) err = make_error(Errc::kInvalidArgument, file + ": " + key + ": " + problem);
  }
  std::string path(const std::string& p) const {
    return p.empty() || fs::path(p).is_absolute() ? p : (base / p).string();
  }
  // Every key of `t` must be in `known` (sub-tables included).
  void only(const toml::table* t, const std::string& where, std::initializer_list<std::string_view> known) {
    if (t == nullptr) return;
    for (const auto& [k, v] : *t) {
      bool ok = false;
      for (auto n : known) ok = ok || n == k.str();
      if (!ok) bad(where + "." + std::string(k.str()), "unknown key");
    }
  }
  template <typename T>
  std::optional<T> get(const toml::table* t, const std::string& where, const std::string& key) {
    if (t == nullptr) return std::nullopt;
    const toml::node* n = t->get(key);
    if (n == nullptr) return std::nullopt;
    auto v = n->value<T>();
    if (!v || (std::is_same_v<T, std::int64_t> && !n->is_integer()) || (std::is_same_v<T, bool> && !n->is_boolean()) ||
        (std::is_same_v<T, std::string> && !n->is_string())) {
      bad(where + "." + key, "wrong type");
      return std::nullopt;
    }
    return v;
  }
  std::string str(const toml::table* t, const std::string& w, const std::string& k, std::string def) {
    return get<std::string>(t, w, k).value_or(std::move(def));
  }
  std::int64_t num(const toml::table* t, const std::string& w, const std::string& k, std::int64_t def, std::int64_t lo,
                   std::int64_t hi) {
    auto v = get<std::int64_t>(t, w, k).value_or(def);
    if (v < lo || v > hi) bad(w + "." + k, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    return v;
  }
  bool flag(const toml::table* t, const std::string& w, const std::string& k, bool def) {
    return get<bool>(t, w, k).value_or(def);
  }
  void check_file(const std::string& key, const std::string& p) {
    if (p.empty())
      bad(key, "missing");
    else if (!fs::exists(p))
      bad(key, "no such file " + p);
  }
  const toml::table* table(const toml::table& root, const std::string& name) {
    const toml::node* n = root.get(name);
    if (n == nullptr) return nullptr;
    if (!n->is_table()) {
      bad(name, "must be a table");
      return nullptr;
    }
    return n->as_table();
  }
  const toml::table* subtable(const toml::table* t, const std::string& where, const std::string& name) {
    if (t == nullptr) return nullptr;
    const toml::node* n = t->get(name);
    if (n == nullptr) return nullptr;
    if (!n->is_table()) {
      bad(where + "." + name, "must be a table");
      return nullptr;
    }
    return n->as_table();
  }

  // PKMF address keys: host, port, server_name, fqdn.
  void pkmf_address(const toml::table* t, const std::string& w, PkmfAddress& a) {
    only(t, w, {"host", "port", "server_name", "fqdn"});
    a.host = str(t, w, "host", a.host);
    a.port = static_cast<std::uint16_t>(num(t, w, "port", a.port, 1, 65535));
    a.fqdn = str(t, w, "fqdn", a.fqdn);
    a.server_name = str(t, w, "server_name", a.server_name.empty() ? a.fqdn : a.server_name);
  }
  // Discovery keys: model_a, model_b, duik, dusk, duck, max_offset, announce_ms.
  // [<w>.rsc.<6 hex digits>]: the same keys for one Relay Service Code.
  void per_rsc(const toml::table* t, const std::string& w, ParameterDefaults& p) {
    if (t == nullptr) return;
    for (const auto& [k, v] : *t) {
      std::string key(k.str());
      std::string where = w + "." + key;
      bool hex = key.size() == 6 && key.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
      if (!hex) {
        bad(where, "expected a Relay Service Code of 6 hex digits");
        continue;
      }
      if (!v.is_table()) {
        bad(where, "must be a table");
        continue;
      }
      const toml::table* r = v.as_table();
      only(r, where, {"model_a", "model_b", "duik", "dusk", "duck", "max_offset", "announce_ms"});
      RscOverride o;
      o.model_a = get<bool>(r, where, "model_a");
      o.model_b = get<bool>(r, where, "model_b");
      o.use_duik = get<bool>(r, where, "duik");
      o.use_dusk = get<bool>(r, where, "dusk");
      o.use_duck = get<bool>(r, where, "duck");
      if (r->get("max_offset") != nullptr) {
        o.max_offset = static_cast<std::uint32_t>(num(r, where, "max_offset", 0, 0, kMaxUtcCounterOffset));
      }
      if (r->get("announce_ms") != nullptr) {
        o.announce_ms = static_cast<std::uint32_t>(num(r, where, "announce_ms", 1, 1, kMaxAnnouncePeriodMs));
      }
      p.per_rsc[static_cast<std::uint32_t>(std::stoul(key, nullptr, 16))] = o;
    }
  }
  void discovery(const toml::table* t, const std::string& w, ParameterDefaults& p) {
    only(t, w, {"model_a", "model_b", "duik", "dusk", "duck", "max_offset", "announce_ms", "rsc"});
    per_rsc(subtable(t, w, "rsc"), w + ".rsc", p);
    p.model_a = flag(t, w, "model_a", p.model_a);
    p.model_b = flag(t, w, "model_b", p.model_b);
    p.use_duik = flag(t, w, "duik", p.use_duik);
    p.use_dusk = flag(t, w, "dusk", p.use_dusk);
    p.use_duck = flag(t, w, "duck", p.use_duck);
    p.max_offset = static_cast<std::uint32_t>(num(t, w, "max_offset", p.max_offset, 0, kMaxUtcCounterOffset));
    p.announce_ms = static_cast<std::uint32_t>(num(t, w, "announce_ms", p.announce_ms, 1, kMaxAnnouncePeriodMs));
  }
  void check_parameters(const ParameterDefaults& p, const std::string& w) {
    auto s = validate(p);
    if (!s.ok()) bad(w, s.error().message);
  }
};

Result<toml::table> parse_file(const std::string& path) {
  try {
    return toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << path << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
    return fail(Errc::kInvalidArgument, os.str());
  }
}

}  // namespace

Result<ProseFunctionConfig> load_config(const std::string& path) {
  if (!fs::exists(path)) return fail(Errc::kInvalidArgument, path + ": no such file");
  PROSE_TRY(toml::table t, parse_file(path));
  static const std::set<std::string> kSections = {"prose_function", "tls", "store", "pkmf", "discovery"};
  for (const auto& [k, v] : t) {
    if (!kSections.count(std::string(k.str()))) {
      return fail(Errc::kInvalidArgument, path + ": unknown section [" + std::string(k.str()) + "]");
    }
  }
  Reader R{path, fs::absolute(path).parent_path(), std::nullopt};
  ProseFunctionConfig c;
  c.config_path = path;
  const toml::table* pf = R.table(t, "prose_function");
  R.only(pf, "prose_function", {"listen", "port", "threads", "log_level"});
  c.https.bind_address = R.str(pf, "prose_function", "listen", "127.0.0.1");
  c.https.port = static_cast<std::uint16_t>(R.num(pf, "prose_function", "port", 8444, 0, 65535));
  c.https.threads = static_cast<int>(R.num(pf, "prose_function", "threads", 2, 1, 256));
  c.log_level = R.str(pf, "prose_function", "log_level", "info");

  const toml::table* tls = R.table(t, "tls");
  R.only(tls, "tls", {"cert", "key", "ca", "keylog"});
  c.https.tls.cert_file = R.path(R.str(tls, "tls", "cert", ""));
  c.https.tls.key_file = R.path(R.str(tls, "tls", "key", ""));
  c.https.tls.ca_file = R.path(R.str(tls, "tls", "ca", ""));
  c.https.tls.keylog_file = R.path(R.str(tls, "tls", "keylog", ""));
  R.check_file("tls.cert", c.https.tls.cert_file);
  R.check_file("tls.key", c.https.tls.key_file);
  R.check_file("tls.ca", c.https.tls.ca_file);

  const toml::table* st = R.table(t, "store");
  R.only(st, "store", {"url", "kek", "kek_env"});
  std::string url = R.str(st, "store", "url", "");
  if (url.empty()) R.bad("store.url", "missing (sqlite:PATH or postgresql://...)");
  if (url.rfind("sqlite:", 0) == 0) url = "sqlite:" + R.path(url.substr(7));
  c.store_url = url;
  std::string kek_hex = R.str(st, "store", "kek", "");
  std::string kek_env = R.str(st, "store", "kek_env", "");
  if (!kek_env.empty()) {
    const char* v = std::getenv(kek_env.c_str());
    if (v == nullptr)
      R.bad("store.kek_env", "environment variable " + kek_env + " is not set");
    else
      kek_hex = v;
  }
  if (!kek_hex.empty()) {
    auto kek = SecretBytes::from_hex_exact(kek_hex, 32, "store.kek");
    if (!kek.ok())
      R.bad("store.kek", kek.error().message);
    else
      c.kek = std::move(*kek);
  } else {
    R.bad("store.kek", "missing: give kek (64 hex digits) or kek_env (name of an environment variable)");
  }

  const toml::table* pk = R.table(t, "pkmf");
  if (pk == nullptr) R.bad("pkmf", "missing: the PKMF address to hand out (host, port, server_name, fqdn)");
  c.parameters.pkmf.fqdn = "pkmf.prose.test";
  if (pk != nullptr && pk->get("host") == nullptr) R.bad("pkmf.host", "missing");
  if (pk != nullptr && pk->get("port") == nullptr) R.bad("pkmf.port", "missing");
  R.pkmf_address(pk, "pkmf", c.parameters.pkmf);
  R.discovery(R.table(t, "discovery"), "discovery", c.parameters);
  if (!R.err) R.check_parameters(c.parameters, "pkmf/discovery");
  if (R.err) return *R.err;
  return c;
}

Result<std::optional<HostedConfig>> parse_hosted_section(const toml::table& root, const std::string& file,
                                                         const std::string& pkmf_listen, std::uint16_t pkmf_port,
                                                         const std::string& pkmf_fqdn) {
  Reader R{file, fs::absolute(file).parent_path(), std::nullopt};
  const toml::table* pf = R.table(root, "prose_function");
  if (R.err) return *R.err;
  if (pf == nullptr) return std::optional<HostedConfig>{};
  R.only(pf, "prose_function", {"enabled", "pkmf", "discovery"});
  bool enabled = R.flag(pf, "prose_function", "enabled", true);
  HostedConfig h;
  PkmfAddress& a = h.parameters.pkmf;
  bool wildcard = pkmf_listen == "0.0.0.0" || pkmf_listen == "::" || pkmf_listen.empty();
  a.host = wildcard ? pkmf_fqdn : pkmf_listen;
  a.port = pkmf_port;
  a.fqdn = pkmf_fqdn;
  const toml::table* pk = R.subtable(pf, "prose_function", "pkmf");
  bool port_given = pk != nullptr && pk->get("port") != nullptr;
  if (!port_given && pkmf_port == 0) {
    h.pkmf_port_from_server = true;
    a.port = 1;  // placeholder for validation; the server puts its bound port here
  }
  R.pkmf_address(pk, "prose_function.pkmf", a);
  R.discovery(R.subtable(pf, "prose_function", "discovery"), "prose_function.discovery", h.parameters);
  if (!R.err) R.check_parameters(h.parameters, "prose_function");
  if (R.err) return *R.err;
  if (!enabled) return std::optional<HostedConfig>{};
  return std::optional<HostedConfig>{std::move(h)};
}

Result<std::string> write_example_config(const ExampleConfigOptions& o) {
  std::error_code ec;
  fs::create_directories(o.dir, ec);
  if (ec) return fail(Errc::kIo, "cannot create " + o.dir + ": " + ec.message());
  fs::path dir = fs::absolute(o.dir);
  fs::path cfg = dir / "prose-function.toml";
  if (fs::exists(cfg)) return fail(Errc::kInvalidArgument, cfg.string() + " already exists");
  fs::path pki = dir / "pki";
  if (!fs::exists(pki / "ca.pem")) {
    net::pki::InitOptions init;
    init.dir = pki.string();
    init.ues = o.ue_imsis;
    init.relays = o.relay_ids;
    PROSE_TRY(auto written, net::pki::init(init));
    (void)written;
  }
  if (!fs::exists(pki / "prose-function.pem")) {
    PROSE_TRY(auto ca, net::pki::load_credential((pki / "ca.pem").string(), (pki / "ca.key").string()));
    net::pki::CertSpec spec;
    spec.common_name = "prose-function.prose.test";
    spec.usage = net::pki::Usage::kServer;
    spec.dns_names = {"prose-function.prose.test"};
    spec.ip_addresses = {"127.0.0.1"};
    PROSE_TRY(auto cred, net::pki::issue(ca, spec));
    PROSE_TRY_STATUS(net::pki::write_credential(pki.string(), "prose-function", cred));
  }
  // Share the PKMF's store and KEK when `prose pkmf example-config` wrote DIR/pkmf.toml.
  std::string store_url = o.store_url.empty() ? std::string("sqlite:pkmf.db") : o.store_url;
  std::string kek = random_secret(32).reveal_hex();
  if (fs::exists(dir / "pkmf.toml")) {
    auto pk = parse_file((dir / "pkmf.toml").string());
    if (pk.ok()) {
      if (auto v = (*pk)["store"]["kek"].value<std::string>()) kek = *v;
      if (auto v = (*pk)["store"]["url"].value<std::string>(); v && o.store_url.empty()) store_url = *v;
    }
  }
  std::ofstream f(cfg);
  f << "# ProSe Function configuration written by `prose prose-function example-config` (loopback lab setup).\n"
       "# It shares the store (and the KEK) of the PKMF written by `prose pkmf example-config` in the same directory.\n"
       "[prose_function]\n"
       "listen = \"127.0.0.1\"\n"
       "port = "
    << o.port
    << "\n"
       "threads = 2\n"
       "log_level = \"info\"\n\n"
       "[tls]\n"
       "cert = \"pki/prose-function.pem\"\n"
       "key = \"pki/prose-function.key\"\n"
       "ca = \"pki/ca.pem\"\n\n"
       "[store]\n"
       "url = \""
    << store_url
    << "\"\n"
       "# Must be the PKMF's KEK when the store is shared (only the ues and relays tables are read).\n"
       "kek = \""
    << kek
    << "\"\n\n"
       "# The PKMF address handed out to authorised UEs.\n"
       "[pkmf]\n"
       "host = \"127.0.0.1\"\n"
       "port = "
    << o.pkmf_port
    << "\n"
       "server_name = \"pkmf.prose.test\"\n"
       "fqdn = \"pkmf.prose.test\"\n\n"
       "[discovery]\n"
       "model_a = true\n"
       "model_b = true\n"
       "duik = true\n"
       "dusk = true\n"
       "duck = true\n"
       "max_offset = 2\n"
       "announce_ms = 500\n";
  f.close();
  if (!f) return fail(Errc::kIo, "cannot write " + cfg.string());
  fs::permissions(cfg, fs::perms::owner_read | fs::perms::owner_write, ec);
  return cfg.string();
}

}  // namespace prose::prosefn

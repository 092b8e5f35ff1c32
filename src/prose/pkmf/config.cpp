#include "prose/pkmf/config.h"

#include <toml++/toml.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "prose/net/pki.h"
#include "prose/prosefn/toml_section.h"
#include "prose/util/hex.h"
#include "prose/util/random.h"

namespace prose::pkmf {
namespace {

namespace fs = std::filesystem;

struct Loader {
  std::string file;
  fs::path base;
  std::optional<Error> err;

  void bad(const std::string& key, const std::string& problem) {
    if (!err) err = make_error(Errc::kInvalidArgument, file + ": " + key + ": " + problem);
  }
  std::string path(const std::string& p) const {
    return p.empty() || fs::path(p).is_absolute() ? p : (base / p).string();
  }

  template <typename T>
  std::optional<T> get(const toml::table& t, const std::string& section, const std::string& key) {
    const toml::node* sec = t.get(section);
    if (sec == nullptr) return std::nullopt;
    const toml::node* n = sec->as_table() ? sec->as_table()->get(key) : nullptr;
    if (n == nullptr) return std::nullopt;
    auto v = n->value<T>();
    if (!v) bad(section + "." + key, "wrong type");
    return v;
  }
  std::string str(const toml::table& t, const std::string& s, const std::string& k, std::string def) {
    return get<std::string>(t, s, k).value_or(std::move(def));
  }
  std::int64_t num(const toml::table& t, const std::string& s, const std::string& k, std::int64_t def, std::int64_t lo,
                   std::int64_t hi) {
    auto v = get<std::int64_t>(t, s, k).value_or(def);
    if (v < lo || v > hi) bad(s + "." + k, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    return v;
  }
  bool flag(const toml::table& t, const std::string& s, const std::string& k, bool def) {
    return get<bool>(t, s, k).value_or(def);
  }
  void check_file(const std::string& key, const std::string& p) {
    if (p.empty())
      bad(key, "missing");
    else if (!fs::exists(p))
      bad(key, "no such file " + p);
  }
};

}  // namespace

Result<PkmfConfig> load_config(const std::string& path) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << path << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
    return fail(Errc::kInvalidArgument, os.str());
  }
  static const std::set<std::string> kSections = {"pkmf", "tls", "store", "mikey", "policy", "hss", "discovery",
                                                  "prose_function"};
  for (const auto& [k, v] : t) {
    if (!kSections.count(std::string(k.str()))) {
      return fail(Errc::kInvalidArgument, path + ": unknown section [" + std::string(k.str()) + "]");
    }
  }
  Loader L{path, fs::absolute(path).parent_path(), std::nullopt};
  PkmfConfig c;
  c.config_path = path;
  c.service.fqdn = L.str(t, "pkmf", "fqdn", "pkmf.prose.test");
  c.https.bind_address = L.str(t, "pkmf", "listen", "127.0.0.1");
  c.https.port = static_cast<std::uint16_t>(L.num(t, "pkmf", "port", 8443, 0, 65535));
  c.https.threads = static_cast<int>(L.num(t, "pkmf", "threads", 2, 1, 256));
  c.log_level = L.str(t, "pkmf", "log_level", "info");

  c.https.tls.cert_file = L.path(L.str(t, "tls", "cert", ""));
  c.https.tls.key_file = L.path(L.str(t, "tls", "key", ""));
  c.https.tls.ca_file = L.path(L.str(t, "tls", "ca", ""));
  c.https.tls.keylog_file = L.path(L.str(t, "tls", "keylog", ""));
  L.check_file("tls.cert", c.https.tls.cert_file);
  L.check_file("tls.key", c.https.tls.key_file);
  L.check_file("tls.ca", c.https.tls.ca_file);

  std::string url = L.str(t, "store", "url", "");
  if (url.empty()) L.bad("store.url", "missing (sqlite:PATH or postgresql://...)");
  if (url.rfind("sqlite:", 0) == 0) url = "sqlite:" + L.path(url.substr(7));
  c.store_url = url;
  std::string kek_hex = L.str(t, "store", "kek", "");
  std::string kek_env = L.str(t, "store", "kek_env", "");
  if (!kek_env.empty()) {
    const char* v = std::getenv(kek_env.c_str());
    if (v == nullptr)
      L.bad("store.kek_env", "environment variable " + kek_env + " is not set");
    else
      kek_hex = v;
  }
  if (!kek_hex.empty()) {
    auto kek = SecretBytes::from_hex_exact(kek_hex, 32, "store.kek");
    if (!kek.ok())
      L.bad("store.kek", kek.error().message);
    else
      c.kek = std::move(*kek);
  } else {
    L.bad("store.kek", "missing: give kek (64 hex digits) or kek_env (name of an environment variable)");
  }

  c.mikey_bind = L.str(t, "mikey", "listen", "127.0.0.1");
  c.mikey_port = static_cast<std::uint16_t>(L.num(t, "mikey", "port", 0, 0, 65535));
  Policy& p = c.service.policy;
  p.mikey_verify = L.flag(t, "mikey", "verify", true);
  p.mikey_max_attempts = static_cast<unsigned>(L.num(t, "mikey", "max_attempts", 5, 1, 100));
  p.mikey_initial_backoff_ms = static_cast<unsigned>(L.num(t, "mikey", "initial_backoff_ms", 500, 1, 600000));
  p.pruk_max_age_s = L.num(t, "policy", "pruk_max_age_s", p.pruk_max_age_s, 0, std::int64_t{1} << 40);
  p.pruk_max_uses = static_cast<std::uint64_t>(L.num(t, "policy", "pruk_max_uses", 0, 0, std::int64_t{1} << 40));
  p.key_lifetime_s =
      static_cast<std::uint32_t>(L.num(t, "policy", "key_lifetime_s", p.key_lifetime_s, 1, 0xffffffffLL));

  DiscoveryConfig& d = c.service.discovery;
  d.psdk_lifetime_s = L.num(t, "discovery", "psdk_lifetime_s", d.psdk_lifetime_s, kMinPsdkLifetimeS, kMaxPsdkLifetimeS);
  d.psdk_renew_before_s = L.num(t, "discovery", "psdk_renew_before_s", d.psdk_renew_before_s, 0, kMaxPsdkLifetimeS / 2);
  if (auto problem = validate(d)) {
    auto colon = problem->find(": ");
    L.bad(problem->substr(0, colon), problem->substr(colon + 2));
  }

  if (t.get("hss") != nullptr) {
    HssGbaPushConfig h;
    h.diameter.host = L.str(t, "hss", "host", "127.0.0.1");
    h.diameter.port = static_cast<std::uint16_t>(L.num(t, "hss", "port", 3868, 1, 65535));
    h.diameter.origin_host = L.str(t, "hss", "origin_host", h.diameter.origin_host);
    h.diameter.origin_realm = L.str(t, "hss", "origin_realm", h.diameter.origin_realm);
    h.diameter.destination_realm = L.str(t, "hss", "destination_realm", h.diameter.destination_realm);
    std::string mode = L.str(t, "hss", "mode", "pc4a");
    if (mode == "pc4a")
      h.mode = GbaPushMode::kPc4a;
    else if (mode == "zpn")
      h.mode = GbaPushMode::kZpn;
    else
      L.bad("hss.mode", "must be \"pc4a\" or \"zpn\"");
    h.impi_template = L.str(t, "hss", "impi_template", h.impi_template);
    h.pkmf_fqdn = c.service.fqdn;
    c.hss = std::move(h);
  }
  if (!L.err) {
    auto pf = prosefn::parse_hosted_section(t, path, c.https.bind_address, c.https.port, c.service.fqdn);
    if (!pf.ok())
      L.err = pf.error();
    else
      c.prose_function = std::move(*pf);
  }
  if (L.err) return *L.err;
  return c;
}

Result<std::string> write_example_config(const ExampleConfigOptions& o) {
  std::error_code ec;
  fs::create_directories(o.dir, ec);
  if (ec) return fail(Errc::kIo, "cannot create " + o.dir + ": " + ec.message());
  fs::path dir = fs::absolute(o.dir);
  fs::path cfg = dir / "pkmf.toml";
  if (fs::exists(cfg)) return fail(Errc::kInvalidArgument, cfg.string() + " already exists");
  if (!fs::exists(dir / "pki" / "ca.pem")) {
    net::pki::InitOptions pki;
    pki.dir = (dir / "pki").string();
    pki.ues = o.ue_imsis;
    pki.relays = o.relay_ids;
    PROSE_TRY(auto written, net::pki::init(pki));
    (void)written;
  }
  std::ofstream f(cfg);
  f << "# PKMF configuration written by `prose pkmf example-config` (loopback lab setup).\n"
       "[pkmf]\n"
       "fqdn = \"pkmf.prose.test\"\n"
       "listen = \"127.0.0.1\"\n"
       "port = "
    << o.port
    << "\n"
       "threads = 2\n"
       "log_level = \"info\"\n\n"
       "[tls]\n"
       "cert = \"pki/pkmf.pem\"\n"
       "key = \"pki/pkmf.key\"\n"
       "ca = \"pki/ca.pem\"\n\n"
       "[store]\n"
       "url = \""
    << (o.store_url.empty() ? std::string("sqlite:pkmf.db") : o.store_url)
    << "\"\n"
       "# Key-encryption key for PRUKs and PMKs at rest (AES-256-GCM). In production use kek_env instead.\n"
       "kek = \""
    << random_secret(32).reveal_hex()
    << "\"\n\n"
       "[mikey]\n"
       "listen = \"127.0.0.1\"\n"
       "port = "
    << o.mikey_port
    << "\n"
       "verify = true\n"
       "max_attempts = 5\n"
       "initial_backoff_ms = 500\n\n"
       "[policy]\n"
       "pruk_max_age_s = 2592000\n"
       "pruk_max_uses = 0\n"
       "key_lifetime_s = 604800\n\n"
       "[discovery]\n"
       "# PSDKs (discovery keys) per Relay Service Code: lifetime, and how long before expiry the next one is made.\n"
       "psdk_lifetime_s = 86400\n"
       "psdk_renew_before_s = 3600\n";
  if (o.hss_port) {
    f << "\n[hss]\n"
         "host = \"127.0.0.1\"\n"
         "port = "
      << *o.hss_port
      << "\n"
         "mode = \"pc4a\"\n"
         "impi_template = \"{imsi}@ims.mnc001.mcc001.3gppnetwork.org\"\n";
  }
  f.close();
  if (!f) return fail(Errc::kIo, "cannot write " + cfg.string());
  fs::permissions(cfg, fs::perms::owner_read | fs::perms::owner_write, ec);
  return cfg.string();
}

}  // namespace prose::pkmf

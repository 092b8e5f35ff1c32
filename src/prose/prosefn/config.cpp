#include "prose/prosefn/config.h"

#include <toml++/toml.h>

#include <filesystem>
#include <sstream>

#include "prose/config/example_file.h"
#include "prose/config/toml_reader.h"
#include "prose/net/pki.h"
#include "prose/pc3/constants.h"
#include "prose/prosefn/toml_section.h"
#include "prose/util/random.h"

namespace prose::prosefn {
namespace {

namespace fs = std::filesystem;

// The prosefn sections on top of the shared reader: exact TOML types, unknown keys rejected.
struct Reader : config::TomlReader {
  using config::TomlReader::TomlReader;

  // PKMF address keys: host, port, server_name, fqdn.
  void pkmf_address(const toml::table* t, const std::string& w, pc3::PkmfAddress& a) {
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
        o.max_offset = static_cast<std::uint32_t>(num(r, where, "max_offset", 0, 0, pc3::kMaxUtcCounterOffset));
      }
      if (r->get("announce_ms") != nullptr) {
        o.announce_ms = static_cast<std::uint32_t>(num(r, where, "announce_ms", 1, 1, pc3::kMaxAnnouncePeriodMs));
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
    p.max_offset = static_cast<std::uint32_t>(num(t, w, "max_offset", p.max_offset, 0, pc3::kMaxUtcCounterOffset));
    p.announce_ms = static_cast<std::uint32_t>(num(t, w, "announce_ms", p.announce_ms, 1, pc3::kMaxAnnouncePeriodMs));
  }
  void check_parameters(const ParameterDefaults& p, const std::string& w) {
    auto s = validate(p);
    if (!s.ok()) bad(w, s.error().message);
  }
};

}  // namespace

Result<ProseFunctionConfig> load_config(const std::string& path) {
  std::error_code ec;  // non-throwing: a path the file system refuses (too long) is a clear error
  if (!fs::exists(path, ec)) return fail(Errc::kInvalidArgument, path + (ec ? ": " + ec.message() : ": no such file"));
  PROSE_TRY(toml::table t, config::parse_file(path));
  PROSE_TRY_STATUS(config::check_sections(t, path, {"prose_function", "tls", "store", "pkmf", "discovery", "hss"}));
  Reader R(path);
  ProseFunctionConfig c;
  c.config_path = path;
  const toml::table* pf = R.table(t, "prose_function");
  R.only(pf, "prose_function", {"listen", "port", "threads", "log_level", "log_format", "metrics_listen"});
  c.https.bind_address = R.str(pf, "prose_function", "listen", "127.0.0.1");
  c.https.port = static_cast<std::uint16_t>(R.num(pf, "prose_function", "port", 8444, 0, 65535));
  c.https.threads = static_cast<int>(R.num(pf, "prose_function", "threads", 2, 1, 256));
  c.log_level = R.str(pf, "prose_function", "log_level", "info");
  if (auto f = log::format_from_name(R.str(pf, "prose_function", "log_format", "text")))
    c.log_format = *f;
  else
    R.bad("prose_function.log_format", "must be \"text\" or \"json\"");
  c.metrics_listen = config::read_metrics_listen(R, pf, "prose_function");

  const toml::table* tls = R.table(t, "tls");
  const std::string mode = R.str(tls, "tls", "mode", "certificate");
  const toml::table* hss = R.table(t, "hss");
  if (mode == "gba") {
    const toml::table* pk0 = R.table(t, "pkmf");
    GbaNafConfig g;
    auto s = config::read_gba_tls(R, tls, "tls", R.str(pk0, "pkmf", "fqdn", "pkmf.prose.test"), c.https.tls);
    g.naf_fqdn = std::move(s.naf_fqdn);
    g.relay_by_imsi = std::move(s.relay_by_imsi);
    if (hss == nullptr) R.bad("tls.mode", "\"gba\" needs an [hss] section (the BSF, reached over Zn)");
    R.only(hss, "hss", {"host", "port", "origin_host", "origin_realm", "destination_realm", "timeout_ms"});
    g.hss_host = R.str(hss, "hss", "host", g.hss_host);
    g.hss_port = static_cast<std::uint16_t>(R.num(hss, "hss", "port", g.hss_port, 1, 65535));
    g.origin_host = R.str(hss, "hss", "origin_host", g.origin_host);
    g.origin_realm = R.str(hss, "hss", "origin_realm", g.origin_realm);
    g.destination_realm = R.str(hss, "hss", "destination_realm", g.destination_realm);
    g.timeout_ms = R.num(hss, "hss", "timeout_ms", g.timeout_ms, 100, 600000);
    c.gba = std::move(g);
  } else if (mode == "certificate") {
    R.only(tls, "tls", {"mode", "cert", "key", "ca", "crl", "keylog"});
    config::read_tls(R, tls, "tls", c.https.tls);
    if (hss != nullptr) R.bad("hss", "only with [tls] mode = \"gba\"");
  } else {
    R.bad("tls.mode", "must be \"certificate\" or \"gba\"");
  }

  const toml::table* st = R.table(t, "store");
  R.only(st, "store", {"url", "kek", "kek_env"});
  auto store = config::read_store(R, st, "store");
  c.store_url = std::move(store.url);
  c.kek = std::move(store.kek);

  const toml::table* pk = R.table(t, "pkmf");
  if (pk == nullptr) R.bad("pkmf", "missing: the PKMF address to hand out (host, port, server_name, fqdn)");
  c.parameters.pkmf.fqdn = "pkmf.prose.test";
  if (pk != nullptr && pk->get("host") == nullptr) R.bad("pkmf.host", "missing");
  if (pk != nullptr && pk->get("port") == nullptr) R.bad("pkmf.port", "missing");
  R.pkmf_address(pk, "pkmf", c.parameters.pkmf);
  R.discovery(R.table(t, "discovery"), "discovery", c.parameters);
  if (R.ok()) R.check_parameters(c.parameters, "pkmf/discovery");
  if (!R.ok()) return *R.error();
  return c;
}

Result<std::optional<HostedConfig>> parse_hosted_section(const toml::table& root, const std::string& file,
                                                         const std::string& pkmf_listen, std::uint16_t pkmf_port,
                                                         const std::string& pkmf_fqdn) {
  Reader R(file);
  const toml::table* pf = R.table(root, "prose_function");
  if (!R.ok()) return *R.error();
  if (pf == nullptr) return std::optional<HostedConfig>{};
  R.only(pf, "prose_function", {"enabled", "pkmf", "discovery"});
  bool enabled = R.flag(pf, "prose_function", "enabled", true);
  HostedConfig h;
  pc3::PkmfAddress& a = h.parameters.pkmf;
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
  if (R.ok()) R.check_parameters(h.parameters, "prose_function");
  if (!R.ok()) return *R.error();
  if (!enabled) return std::optional<HostedConfig>{};
  return std::optional<HostedConfig>{std::move(h)};
}

Result<std::string> write_example_config(const ExampleConfigOptions& o) {
  PROSE_TRY(fs::path cfg, config::prepare_example(o.dir, "prose-function.toml", o.ue_imsis, o.relay_ids));
  fs::path dir = cfg.parent_path();
  fs::path pki = dir / "pki";
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
    auto pk = config::parse_file((dir / "pkmf.toml").string());
    if (pk.ok()) {
      if (auto v = (*pk)["store"]["kek"].value<std::string>()) kek = *v;
      if (auto v = (*pk)["store"]["url"].value<std::string>(); v && o.store_url.empty()) store_url = *v;
    }
  }
  std::ostringstream f;
  f << "# ProSe Function configuration written by `prose prose-function example-config` (loopback lab setup).\n"
       "# It shares the store (and the KEK) of the PKMF written by `prose pkmf example-config` in the same directory.\n"
       "[prose_function]\n"
       "listen = \"127.0.0.1\"\n"
       "port = "
    << o.port
    << "\n"
       "threads = 2\n"
       "log_level = \"info\"\n"
       "# /metrics over HTTPS is served to operator certificates (pki/operator-*.pem) only; this also serves it over\n"
       "# plain HTTP on a loopback address, for a scraper on this host.\n"
       "# metrics_listen = \"127.0.0.1:9465\"\n\n"
    << config::example_tls_section("prose-function")
    << "[store]\n"
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
  PROSE_TRY_STATUS(config::write_private_file(cfg, f.str()));
  return cfg.string();
}

}  // namespace prose::prosefn

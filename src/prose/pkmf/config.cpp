#include "prose/pkmf/config.h"

#include <toml++/toml.h>
#include <filesystem>
#include <set>
#include <sstream>

#include "prose/config/example_file.h"
#include "prose/config/toml_reader.h"
#include "prose/diameter/constants.h"
#include "prose/util/hex.h"
#include "prose/util/random.h"

namespace prose::pkmf {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxConnections = 1000000;  // [connections] max_connections: upper bound accepted

// [discovery] keys / encrypted_bits_mask / algorithms (docs/pkmf.md "Discovery keys").
void read_discovery_security(config::TomlReader& L, const toml::table* di, DiscoveryConfig& d) {
  if (di == nullptr) return;
  if (const toml::node* n = di->get("keys")) {
    const toml::array* a = n->as_array();
    if (a == nullptr) return L.bad("discovery.keys", "wrong type (an array of \"duik\", \"dusk\", \"duck\")");
    bool duik = false, dusk = false, duck = false;
    for (const auto& e : *a) {
      auto v = e.value<std::string>();
      if (!e.is_string() || !v) return L.bad("discovery.keys", "wrong type (an array of \"duik\", \"dusk\", \"duck\")");
      bool* slot = *v == "duik" ? &duik : *v == "dusk" ? &dusk : *v == "duck" ? &duck : nullptr;
      if (slot == nullptr) return L.bad("discovery.keys", "unknown key \"" + *v + "\" (duik, dusk or duck)");
      if (*slot) return L.bad("discovery.keys", "\"" + *v + "\" listed twice");
      *slot = true;
    }
    if (!duik) return L.bad("discovery.keys", "must contain \"duik\" (the DUIK is always used)");
    d.keys = pc8::KeyCombination{dusk, duck};
  }
  if (di->get("encrypted_bits_mask") != nullptr) {
    std::string hex = L.str(di, "discovery", "encrypted_bits_mask", "");
    auto b = from_hex(hex);
    if (!b.ok() || b->empty() || b->size() > pc8::kMaxEncryptedBitsMaskSize) {
      return L.bad("discovery.encrypted_bits_mask",
                   "must be 1.." + std::to_string(pc8::kMaxEncryptedBitsMaskSize) + " octets of hex");
    }
    d.encrypted_bits_mask = std::move(*b);
  }
  if (const toml::node* n = di->get("algorithms")) {
    const toml::array* a = n->as_array();
    if (a == nullptr) return L.bad("discovery.algorithms", "wrong type (an array of EEA identities 1..3)");
    std::vector<std::uint8_t> algs;
    for (const auto& e : *a) {
      auto v = e.value<std::int64_t>();
      if (!e.is_integer() || !v) return L.bad("discovery.algorithms", "wrong type (an array of EEA identities 1..3)");
      if (*v < pc8::kMinDiscoveryEea || *v > pc8::kMaxDiscoveryEea) {
        return L.bad("discovery.algorithms", std::to_string(*v) + " is not one of EEA 1..3");
      }
      algs.push_back(static_cast<std::uint8_t>(*v));
    }
    d.algorithms = std::move(algs);  // empty / repeated: validate() names it
  }
}

// [connections]: admission control of the HTTPS port (docs/pkmf.md "Connections and admission"). A limit not given
// defaults to the HttpsServerConfig default, or to the limit it must not exceed when that is lower.
void read_connections(config::TomlReader& L, const toml::table* co, net::HttpsServerConfig& h) {
  L.only(co, "connections",
         {"max_connections", "max_pending_handshakes", "max_pending_per_source", "max_connections_per_source",
          "handshake_timeout_ms"});
  auto limit = [&](const char* key, std::size_t def, std::size_t hi) {
    auto h64 = static_cast<std::int64_t>(hi);
    return static_cast<std::size_t>(
        L.num(co, "connections", key, std::min<std::int64_t>(static_cast<std::int64_t>(def), h64), 1, h64));
  };
  h.max_connections = limit("max_connections", h.max_connections, kMaxConnections);
  h.max_pending_handshakes = limit("max_pending_handshakes", h.max_pending_handshakes, h.max_connections);
  h.max_pending_per_source = limit("max_pending_per_source", h.max_pending_per_source, h.max_pending_handshakes);
  h.max_connections_per_source = limit("max_connections_per_source", h.max_connections_per_source, h.max_connections);
  h.handshake_timeout = std::chrono::milliseconds(
      L.num(co, "connections", "handshake_timeout_ms", h.handshake_timeout.count(), 100, 600000));
}

}  // namespace

Result<PkmfConfig> load_config(const std::string& path) {
  PROSE_TRY(toml::table t, config::parse_file(path));
  std::set<std::string> sections = {"pkmf", "connections", "tls", "store", "mikey", "policy", "hss", "discovery"};
  sections.insert(std::begin(kHostedSections), std::end(kHostedSections));
  PROSE_TRY_STATUS(config::check_sections(t, path, sections));
  // Sections are read leniently (one that is not a table reads as absent) and keys with toml++'s conversions.
  config::TomlReader L(path, config::TomlReader::Types::kPermissive);
  auto sec = [&t](const char* name) { return t[name].as_table(); };
  PkmfConfig c;
  c.config_path = path;
  const toml::table* pk = sec("pkmf");
  c.service.fqdn = L.str(pk, "pkmf", "fqdn", "pkmf.prose.test");
  c.https.bind_address = L.str(pk, "pkmf", "listen", "127.0.0.1");
  c.https.port = static_cast<std::uint16_t>(L.num(pk, "pkmf", "port", 8443, 0, 65535));
  c.https.threads = static_cast<int>(L.num(pk, "pkmf", "threads", 2, 1, 256));
  c.log_level = L.str(pk, "pkmf", "log_level", "info");
  if (auto f = log::format_from_name(L.str(pk, "pkmf", "log_format", "text")))
    c.log_format = *f;
  else
    L.bad("pkmf.log_format", "must be \"text\" or \"json\"");
  c.metrics_listen = config::read_metrics_listen(L, pk, "pkmf");

  read_connections(L, sec("connections"), c.https);

  const std::string tls_mode = L.str(sec("tls"), "tls", "mode", "certificate");
  if (tls_mode == "gba") {
    auto g = config::read_gba_tls(L, sec("tls"), "tls", c.service.fqdn, c.https.tls);
    c.gba_naf_fqdn = std::move(g.naf_fqdn);
    c.gba_relays = std::move(g.relay_by_imsi);
    if (t.get("hss") == nullptr) L.bad("tls.mode", "\"gba\" needs an [hss] section (the BSF, reached over Zn)");
  } else if (tls_mode == "certificate") {
    config::read_tls(L, sec("tls"), "tls", c.https.tls);
  } else {
    L.bad("tls.mode", "must be \"certificate\" or \"gba\"");
  }
  auto store = config::read_store(L, sec("store"), "store");
  c.store_url = std::move(store.url);
  c.kek = std::move(store.kek);
  c.audit_retention_days =
      L.num(sec("store"), "store", "audit_retention_days", kDefaultAuditRetentionDays, 0, kMaxAuditRetentionDays);
  c.kd_batch.max_batch = static_cast<std::size_t>(
      L.num(sec("store"), "store", "kd_batch_max", static_cast<std::int64_t>(c.kd_batch.max_batch), 1, 10000));
  c.kd_batch.workers = static_cast<std::size_t>(
      L.num(sec("store"), "store", "kd_lookups_in_flight", static_cast<std::int64_t>(c.kd_batch.workers), 1, 64));

  const toml::table* mk = sec("mikey");
  c.mikey_bind = L.str(mk, "mikey", "listen", "127.0.0.1");
  c.mikey_port = static_cast<std::uint16_t>(L.num(mk, "mikey", "port", 0, 0, 65535));
  Policy& p = c.service.policy;
  p.mikey_verify = L.flag(mk, "mikey", "verify", true);
  p.mikey_max_attempts = static_cast<unsigned>(L.num(mk, "mikey", "max_attempts", 5, 1, 100));
  p.mikey_initial_backoff_ms = static_cast<unsigned>(L.num(mk, "mikey", "initial_backoff_ms", 500, 1, 600000));
  std::string destination = L.str(mk, "mikey", "destination", "tls-peer");
  if (destination == "tls-peer")
    p.mikey_destination = MikeyDestination::kTlsPeer;
  else if (destination == "as-requested")
    p.mikey_destination = MikeyDestination::kAsRequested;
  else
    L.bad("mikey.destination", "must be \"tls-peer\" or \"as-requested\"");
  p.mikey_max_sends_per_second =
      static_cast<unsigned>(L.num(mk, "mikey", "max_sends_per_second", p.mikey_max_sends_per_second, 0, 1000000));
  p.mikey_ue_retransmissions_per_minute = static_cast<unsigned>(
      L.num(mk, "mikey", "ue_retransmissions_per_minute", p.mikey_ue_retransmissions_per_minute, 0, 100000));
  const toml::table* po = sec("policy");
  p.pruk_max_age_s = L.num(po, "policy", "pruk_max_age_s", p.pruk_max_age_s, 0, std::int64_t{1} << 40);
  p.pruk_max_uses = static_cast<std::uint64_t>(L.num(po, "policy", "pruk_max_uses", 0, 0, std::int64_t{1} << 40));
  p.key_lifetime_s =
      static_cast<std::uint32_t>(L.num(po, "policy", "key_lifetime_s", p.key_lifetime_s, 1, 0xffffffffLL));

  DiscoveryConfig& d = c.service.discovery;
  const toml::table* di = sec("discovery");
  d.psdk_lifetime_s =
      L.num(di, "discovery", "psdk_lifetime_s", d.psdk_lifetime_s, kMinPsdkLifetimeS, kMaxPsdkLifetimeS);
  d.psdk_renew_before_s =
      L.num(di, "discovery", "psdk_renew_before_s", d.psdk_renew_before_s, 0, kMaxPsdkLifetimeS / 2);
  read_discovery_security(L, di, d);
  if (auto problem = validate(d)) {
    auto colon = problem->find(": ");
    L.bad(problem->substr(0, colon), problem->substr(colon + 2));
  }

  if (t.get("hss") != nullptr) {
    const toml::table* hs = sec("hss");
    HssGbaPushConfig h;
    h.diameter.host = L.str(hs, "hss", "host", "127.0.0.1");
    h.diameter.port = static_cast<std::uint16_t>(L.num(hs, "hss", "port", 3868, 1, 65535));
    h.diameter.origin_host = L.str(hs, "hss", "origin_host", h.diameter.origin_host);
    h.diameter.origin_realm = L.str(hs, "hss", "origin_realm", h.diameter.origin_realm);
    h.diameter.destination_realm = L.str(hs, "hss", "destination_realm", h.diameter.destination_realm);
    h.diameter.watchdog = std::chrono::seconds(
        L.num(hs, "hss", "watchdog_interval", h.diameter.watchdog.count(), diameter::kWatchdogMinSeconds, 3600));
    h.diameter.timeout =
        std::chrono::milliseconds(L.num(hs, "hss", "timeout_ms", h.diameter.timeout.count(), 100, 600000));
    h.max_attempts = static_cast<int>(L.num(hs, "hss", "max_attempts", h.max_attempts, 1, 10));
    h.retry_backoff =
        std::chrono::milliseconds(L.num(hs, "hss", "retry_backoff_ms", h.retry_backoff.count(), 0, 60000));
    if (const toml::node* n = hs ? hs->get("alternate_peers") : nullptr) {
      const toml::array* a = n->as_array();
      const std::string what = "wrong type (an array of \"host:port\" strings)";
      if (a == nullptr) L.bad("hss.alternate_peers", what);
      for (std::size_t i = 0; a != nullptr && i < a->size(); ++i) {
        auto v = (*a)[i].value<std::string>();
        auto colon = v ? v->rfind(':') : std::string::npos;
        std::int64_t port = 0;
        if (colon != std::string::npos) {
          try {
            port = std::stoll(v->substr(colon + 1));
          } catch (const std::exception&) {
            port = 0;
          }
        }
        if (!(*a)[i].is_string() || colon == std::string::npos || colon == 0 || port < 1 || port > 65535) {
          L.bad("hss.alternate_peers", what);
          break;
        }
        h.alternate_peers.push_back({v->substr(0, colon), static_cast<std::uint16_t>(port)});
      }
    }
    std::string mode = L.str(hs, "hss", "mode", "pc4a");
    if (mode == "pc4a")
      h.mode = GbaPushMode::kPc4a;
    else if (mode == "zpn")
      h.mode = GbaPushMode::kZpn;
    else
      L.bad("hss.mode", "must be \"pc4a\" or \"zpn\"");
    h.impi_template = L.str(hs, "hss", "impi_template", h.impi_template);
    h.pkmf_fqdn = c.service.fqdn;
    c.hss = std::move(h);
  }
  if (!L.ok()) return *L.error();
  return c;
}

Result<std::string> write_example_config(const ExampleConfigOptions& o) {
  PROSE_TRY(fs::path cfg, config::prepare_example(o.dir, "pkmf.toml", o.ue_imsis, o.relay_ids, o.operator_ids));
  std::ostringstream f;
  f << "# PKMF configuration written by `prose pkmf example-config` (loopback lab setup).\n"
       "[pkmf]\n"
       "fqdn = \"pkmf.prose.test\"\n"
       "listen = \"127.0.0.1\"\n"
       "port = "
    << o.port
    << "\n"
       "threads = 2\n"
       "log_level = \"info\"\n"
       "# /metrics over HTTPS is served to operator certificates (pki/operator-*.pem) only; this also serves it over\n"
       "# plain HTTP on a loopback address, for a scraper on this host.\n"
       "# metrics_listen = \"127.0.0.1:9464\"\n\n"
       "[connections]\n"
       "# Admission control of the HTTPS port. Pending: TCP connected, TLS handshake not finished. A source: an IPv4\n"
       "# address or an IPv6 /64. At a pending cap a new connection takes the slot of the oldest handshake of the\n"
       "# source with the most, if that source has more than its own; otherwise it is closed at once.\n"
       "max_connections = 10000\n"
       "max_pending_handshakes = 1000\n"
       "max_pending_per_source = 256\n"
       "max_connections_per_source = 2000\n"
       "handshake_timeout_ms = 3000\n\n"
    << config::example_tls_section("pkmf")
    << "[store]\n"
       "url = \""
    << (o.store_url.empty() ? std::string("sqlite:pkmf.db") : o.store_url)
    << "\"\n"
       "# Key-encryption key for PRUKs and PMKs at rest (AES-256-GCM). In production use kek_env instead.\n"
       "kek = \""
    << random_secret(32).reveal_hex()
    << "\"\n"
       "# Audit entries older than this are deleted (at start-up, then hourly); 0 keeps them forever.\n"
       "audit_retention_days = "
    << kDefaultAuditRetentionDays
    << "\n\n"
       "[mikey]\n"
       "listen = \"127.0.0.1\"\n"
       "port = "
    << o.mikey_port
    << "\n"
       "verify = true\n"
       "max_attempts = 5\n"
       "initial_backoff_ms = 500\n"
       "# MIKEY goes to the IP address of the UE's TLS connection (\"tls-peer\"); \"as-requested\" uses the address "
       "in\n"
       "# the Key Request instead (only behind NAT: it lets a UE direct MIKEY traffic at any address).\n"
       "destination = \"tls-peer\"\n"
       "# Caps (0 = none): MIKEY datagrams a second in all, retransmissions a minute to one UE.\n"
       "max_sends_per_second = 1000\n"
       "ue_retransmissions_per_minute = 10\n\n"
       "[policy]\n"
       "pruk_max_age_s = 2592000\n"
       "pruk_max_uses = 0\n"
       "key_lifetime_s = 604800\n\n"
       "[discovery]\n"
       "# PSDKs (discovery keys) per Relay Service Code: lifetime, and how long before expiry the next one is made.\n"
       "psdk_lifetime_s = 86400\n"
       "psdk_renew_before_s = 3600\n"
       "# Sent with every PSDK (24.334 10A): keys to use (duik always), optional Encrypted_bits_mask (hex, 1..23\n"
       "# octets), confidentiality algorithms (EEA 1..3) in preference order.\n"
       "keys = [\"duik\", \"dusk\", \"duck\"]\n"
       "# encrypted_bits_mask = \"fffff0\"\n"
       "algorithms = [2, 1, 3]\n";
  if (o.hss_port) {
    f << "\n[hss]\n"
         "host = \"127.0.0.1\"\n"
         "port = "
      << *o.hss_port
      << "\n"
         "mode = \"pc4a\"\n"
         "impi_template = \"{imsi}@ims.mnc001.mcc001.3gppnetwork.org\"\n"
         "# Diameter peer behaviour (docs/pkmf.md): Tw in seconds (RFC 3539, at least 6), answer timeout,\n"
         "# attempts per request (retransmissions and 3002/3004 retries), back-off, further peers or relays.\n"
         "watchdog_interval = 30\n"
         "timeout_ms = 5000\n"
         "max_attempts = 3\n"
         "retry_backoff_ms = 200\n"
         "alternate_peers = []\n";
  }
  PROSE_TRY_STATUS(config::write_private_file(cfg, f.str()));
  return cfg.string();
}

}  // namespace prose::pkmf

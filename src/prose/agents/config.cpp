// The agents' TOML configuration: the key tables (docs/agents.md "Config"), the loaders and the example
// configurations of `prose relay example-config` / `prose remote-ue example-config`.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "prose/agents/agents.h"
#include "prose/agents/config_ip.h"
#include "prose/agents/config_reader.h"
#include "prose/agents/frame.h"
#include "prose/config/toml_reader.h"
#include "prose/util/random.h"

namespace prose::agents {
namespace {

namespace fs = std::filesystem;

// Keys of both agents: the PKMF and ProSe Function clients, the emulated sidelink, the log.
constexpr ConfigKey kCommonKeys[] = {
    {"pkmf.host", "string", "\"127.0.0.1\"", "no"},
    {"pkmf.port", "integer", "", "without [prose_function]"},
    {"pkmf.ca", "path", "", "without [prose_function] or gba.bsf"},
    {"pkmf.cert", "path", "", "without [prose_function] or gba.bsf"},
    {"pkmf.key", "path", "", "without [prose_function] or gba.bsf"},
    {"pkmf.server_name", "string", "\"pkmf.prose.test\"", "no"},
    {"pkmf.fqdn", "string", "\"pkmf.prose.test\"", "no"},
    {"pkmf.keylog", "path", "", "no"},
    {"prose_function.host", "string", "\"127.0.0.1\"", "no"},
    {"prose_function.port", "integer", "", "with [prose_function]"},
    {"prose_function.server_name", "string", "\"pkmf.prose.test\"", "no"},
    {"prose_function.ca", "path", "", "unless in [pkmf] or with gba.bsf"},
    {"prose_function.cert", "path", "", "unless in [pkmf] or with gba.bsf"},
    {"prose_function.key", "path", "", "unless in [pkmf] or with gba.bsf"},
    {"prose_function.keylog", "path", "", "no"},
    {"prose_function.naf_fqdn", "string", "server_name", "no"},
    {"prose_function.psdk_refresh_before_s", "integer", "300", "no"},
    {"sidelink.port", "integer", "", "yes"},
    {"sidelink.peers", "array of integers", "[]", "no"},
    {"sidelink.loss", "number", "0.0", "no"},
    {"sidelink.delay_ms", "integer", "0", "no"},
    {"sidelink.jitter_ms", "integer", "0", "no"},
    {"gba.bsf", "string", "", "no (set: GBA instead of certificates)"},
    {"log.capture", "boolean", "true", "no"},
    {"log.pc5_keylog", "path", "", "no"},
};

constexpr ConfigKey kRelayKeys[] = {
    {"relay.name", "string", "\"relay\"", "no"},
    {"relay.l2_id", "integer", "", "yes"},
    {"relay.relay_service_code", "integer", "", "yes"},
    {"relay.announce_ms", "integer", "500", "no"},
    {"relay.pkmf_connections", "integer", "4", "no"},
    {"relay.ciphering", "array of integers", "[2, 3, 1]", "no"},
    {"upstream.host", "string", "\"127.0.0.1\"", "no"},
    {"upstream.port", "integer", "", "unless ip.tun"},
    {"gba.imsi", "string", "", "with gba.bsf"},
    {"gba.impi", "string", "\"{imsi}@ims.mnc001.mcc001.3gppnetwork.org\"", "no"},
    {"gba.k", "string", "", "with gba.bsf"},
    {"gba.opc", "string", "", "with gba.bsf"},
    {"log.user_data", "boolean", "true", "no"},
};

constexpr ConfigKey kRemoteUeKeys[] = {
    {"ue.name", "string", "\"ue\"", "no"},
    {"ue.imsi", "string", "", "yes"},
    {"ue.l2_id", "integer", "", "yes"},
    {"ue.relay_service_code", "integer", "", "yes"},
    {"ue.k", "string", "", "yes"},
    {"ue.opc", "string", "", "yes"},
    {"ue.impi_template", "string", "\"{imsi}@ims.mnc001.mcc001.3gppnetwork.org\"", "no"},
    {"ue.key_store", "path", "", "yes"},
    {"ue.kek", "string", "", "yes"},
    {"ue.provision", "boolean", "false", "no"},
    {"ue.discovery", "string", "\"A\"", "no"},
    {"ue.app_port", "integer", "", "unless ip.tun"},
    {"ue.rekey_every", "integer", "0", "no"},
    {"ue.rekey_auth", "boolean", "false", "no"},
    {"ue.mikey_port", "integer", "0", "no"},
    {"ue.stop_pruk_delivery_on_exit", "boolean", "false", "no"},
    {"mikey.accept_rfc3830_defaults", "boolean", "false", "no"},
    {"gba.impi", "string", "ue.impi_template", "no"},
};

std::vector<ConfigKey> with_common(std::span<const ConfigKey> own, std::span<const ConfigKey> ip) {
  std::vector<ConfigKey> v(own.begin(), own.end());
  v.insert(v.end(), std::begin(kCommonKeys), std::end(kCommonKeys));
  v.insert(v.end(), ip.begin(), ip.end());
  return v;
}

bool has_section(std::span<const ConfigKey> keys, const std::string& section) {
  return std::any_of(keys.begin(), keys.end(), [&](const ConfigKey& k) {
    return k.name.size() > section.size() && k.name.substr(0, section.size()) == section &&
           k.name[section.size()] == '.';
  });
}

// GBA mode: `[gba] bsf` is set (a [gba] section with its keys commented out, as in the examples, is not).
bool gba_on(KeyTableReader& r) {
  if (!has_table(r, "gba")) return false;
  const toml::node* n = r.node("gba", "bsf");
  if (n != nullptr && !n->is_string()) r.bad("gba.bsf", "must be a string");  // named before what it requires
  return n != nullptr;
}

// `[gba]` bsf and impi ("{imsi}" replaced); the USIM and IMSI are the caller's. nullopt without gba.bsf.
std::optional<GbaClientConfig> read_gba(KeyTableReader& r, const std::string& imsi, const std::string& default_impi) {
  GbaClientConfig g;
  g.bsf_url = r.str("gba", "bsf", "");
  g.imsi = imsi;
  g.impi = r.str("gba", "impi", default_impi);
  if (auto at = g.impi.find("{imsi}"); at != std::string::npos) g.impi.replace(at, 6, imsi);
  if (!gba_on(r)) return std::nullopt;
  if (g.bsf_url.empty()) r.bad("gba.bsf", "must not be empty");
  if (g.impi.empty() || g.impi.find('@') == std::string::npos) r.bad("gba.impi", "must be <IMSI>@<domain>");
  return g;
}

Status read_common(KeyTableReader& r, PkmfClientConfig& p, SidelinkConfig& s, LogConfig& lg,
                   std::optional<ProseFunctionClientConfig>& pf) {
  const bool with_pf = has_table(r, "prose_function");
  // With GBA the agent authenticates with PSK-TLS: no client certificate, no CA (the server proves Ks_NAF).
  const bool with_gba = gba_on(r);
  const bool files = !with_pf && !with_gba;
  // With a ProSe Function the PKMF address comes from its answer: [pkmf] and its address are optional.
  p.host = r.str("pkmf", "host", "127.0.0.1");
  p.port = static_cast<std::uint16_t>(r.num("pkmf", "port", 0, 1, 65535, !with_pf));
  p.ca_file = r.path("pkmf", "ca", files);
  p.cert_file = r.path("pkmf", "cert", files);
  p.key_file = r.path("pkmf", "key", files);
  p.server_name = r.str("pkmf", "server_name", p.server_name);
  p.fqdn = r.str("pkmf", "fqdn", p.fqdn);
  p.keylog_file = r.path("pkmf", "keylog", false);
  if (with_pf) {
    ProseFunctionClientConfig c;
    c.host = r.str("prose_function", "host", c.host);
    c.port = static_cast<std::uint16_t>(r.num("prose_function", "port", 0, 1, 65535, true));
    c.server_name = r.str("prose_function", "server_name", c.server_name);
    c.ca_file = r.path("prose_function", "ca", p.ca_file.empty() && !with_gba);
    c.cert_file = r.path("prose_function", "cert", p.cert_file.empty() && !with_gba);
    c.key_file = r.path("prose_function", "key", p.key_file.empty() && !with_gba);
    c.keylog_file = r.path("prose_function", "keylog", false);
    c.naf_fqdn = r.str("prose_function", "naf_fqdn", c.server_name);
    c.psdk_refresh_before_s =
        r.num("prose_function", "psdk_refresh_before_s", c.psdk_refresh_before_s, 0, 366LL * 86400);
    // One set of TLS files for both servers: [prose_function] fills what [pkmf] leaves out and the other way round.
    if (c.ca_file.empty()) c.ca_file = p.ca_file;
    if (c.cert_file.empty()) c.cert_file = p.cert_file;
    if (c.key_file.empty()) c.key_file = p.key_file;
    if (c.keylog_file.empty()) c.keylog_file = p.keylog_file;
    if (p.ca_file.empty()) p.ca_file = c.ca_file;
    if (p.cert_file.empty()) p.cert_file = c.cert_file;
    if (p.key_file.empty()) p.key_file = c.key_file;
    if (p.keylog_file.empty()) p.keylog_file = c.keylog_file;
    pf = std::move(c);
  }
  if (const toml::node* n = r.t->get("log"); n && !n->is_table()) r.bad("log", "must be a table");
  lg.capture = r.boolean("log", "capture", lg.capture);
  lg.pc5_keylog = r.path("log", "pc5_keylog", false);
  s.port = static_cast<std::uint16_t>(r.num("sidelink", "port", 0, 1, 65535, true));
  s.loss = r.real("sidelink", "loss", 0.0);
  s.delay_ms = static_cast<std::uint32_t>(r.num("sidelink", "delay_ms", 0, 0, 10000));
  s.jitter_ms = static_cast<std::uint32_t>(r.num("sidelink", "jitter_ms", 0, 0, 10000));
  if (const toml::node* n = r.node("sidelink", "peers")) {
    const toml::array* a = n->as_array();
    if (!a)
      r.bad("sidelink.peers", "must be an array of ports");
    else
      for (const auto& e : *a) {
        auto v = e.value<std::int64_t>();
        if (!v || *v < 1 || *v > 65535)
          r.bad("sidelink.peers", "must be an array of ports");
        else
          s.peers.push_back(static_cast<std::uint16_t>(*v));
      }
  }
  return {};
}

// Every section and key of the file must be in the table: "<file>: <name>: unknown section|key".
void unknown_keys(KeyTableReader& r) {
  for (const auto& [sec, node] : *r.t) {
    const std::string s(sec.str());
    const toml::table* st = node.as_table();
    if (st == nullptr) {
      if (!has_section(r.keys, s)) r.bad(s, "unknown section");
      continue;  // a known section that is no table: its reader said so
    }
    if (!has_section(r.keys, s)) r.bad(s, "unknown section");
    for (const auto& [key, value] : *st) {
      (void)value;
      if (!known(r.keys, s + "." + std::string(key.str()))) r.bad(s + "." + std::string(key.str()), "unknown key");
    }
  }
}

// A USIM key (k or opc of [ue] or [gba]): 32 hex digits into a wiped buffer, with from_hex_exact's errors
// ("ue.k: expected 16 octets (32 hex digits), got 1"). The hex text is wiped: `hex`, and the string in the table.
Result<SecretBytes> usim_key(toml::table& t, const std::string& section, const std::string& key, std::string& hex) {
  auto out = SecretBytes::from_hex_exact(hex, 16, section + "." + key);
  secure_wipe(hex.data(), hex.size());
  hex.clear();
  if (toml::value<std::string>* v = t[section][key].as_string()) secure_wipe(v->get().data(), v->get().size());
  return out;
}

}  // namespace

Result<RemoteUeAgentConfig> load_remote_ue_config(const std::string& path) {
  PROSE_TRY(toml::table t, config::parse_file(path));
  KeyTableReader r{config::TomlReader(path), &t, remote_ue_config_keys()};
  RemoteUeAgentConfig c;
  c.name = r.str("ue", "name", "ue");
  c.imsi = r.str("ue", "imsi", "", true);
  c.l2_id = static_cast<std::uint32_t>(r.num("ue", "l2_id", 0, 1, kMaxL2Id - 1, true));
  c.relay_service_code = static_cast<std::uint32_t>(r.num("ue", "relay_service_code", 0, 0, 0xffffff, true));
  std::string k_hex = r.str("ue", "k", "", true);
  std::string opc_hex = r.str("ue", "opc", "", true);
  c.impi_template = r.str("ue", "impi_template", c.impi_template);
  c.key_store = r.path("ue", "key_store", true);
  std::string kek = r.str("ue", "kek", "", true);
  c.provision = r.boolean("ue", "provision", false);
  c.discovery = r.str("ue", "discovery", "A");
  if (c.discovery != "A" && c.discovery != "B") r.bad("ue.discovery", "must be \"A\" or \"B\"");
  c.ip = read_ip_section(r, false);  // IP mode: the application's port is optional
  c.app_port = static_cast<std::uint16_t>(r.num("ue", "app_port", 0, 1, 65535, !c.ip));
  c.rekey_every = static_cast<std::uint32_t>(r.num("ue", "rekey_every", 0, 0, 1000000));
  c.rekey_auth = r.boolean("ue", "rekey_auth", false);
  c.mikey_port = static_cast<std::uint16_t>(r.num("ue", "mikey_port", 0, 0, 65535));
  c.stop_pruk_delivery_on_exit = r.boolean("ue", "stop_pruk_delivery_on_exit", false);
  c.mikey_accept_rfc3830_defaults = r.boolean("mikey", "accept_rfc3830_defaults", false);
  PROSE_TRY_STATUS(read_common(r, c.pkmf, c.sidelink, c.log, c.prose_function));
  c.gba = read_gba(r, c.imsi, c.impi_template);
  unknown_keys(r);
  PROSE_TRY_STATUS(r.status());
  PROSE_TRY(c.k, usim_key(t, "ue", "k", k_hex));
  PROSE_TRY(c.opc, usim_key(t, "ue", "opc", opc_hex));
  if (c.gba) {
    c.gba->k = c.k.clone();  // one USIM for Ub and GBA Push
    c.gba->opc = c.opc.clone();
  }
  auto k = SecretBytes::from_hex_exact(kek, 32, "ue.kek");
  if (!k.ok()) return fail(Errc::kInvalidArgument, path + ": ue.kek: must be 64 hex digits");
  c.kek = std::move(*k);
  return c;
}

Result<RelayAgentConfig> load_relay_config(const std::string& path) {
  PROSE_TRY(toml::table t, config::parse_file(path));
  KeyTableReader r{config::TomlReader(path), &t, relay_config_keys()};
  RelayAgentConfig c;
  c.name = r.str("relay", "name", "relay");
  c.l2_id = static_cast<std::uint32_t>(r.num("relay", "l2_id", 0, 1, kMaxL2Id - 1, true));
  c.relay_service_code = static_cast<std::uint32_t>(r.num("relay", "relay_service_code", 0, 0, 0xffffff, true));
  c.announce_ms = static_cast<std::uint32_t>(r.num("relay", "announce_ms", 500, 50, 60000));
  c.pkmf_connections = static_cast<std::uint32_t>(r.num("relay", "pkmf_connections", 4, 0, 64));
  if (const toml::node* n = r.node("relay", "ciphering")) {
    const toml::array* a = n->as_array();
    c.ciphering.clear();
    for (std::size_t i = 0; a && i < a->size(); ++i) {
      auto v = (*a)[i].value<std::int64_t>();
      if (v && *v >= 1 && *v <= 3) c.ciphering.push_back(static_cast<std::uint8_t>(*v));
    }
    if (!a || c.ciphering.empty() || c.ciphering.size() != a->size())
      r.bad("relay.ciphering", "must be a non-empty array of EEA identities 1..3");
  }
  c.upstream_host = r.str("upstream", "host", "127.0.0.1");
  c.ip = read_ip_section(r, true);  // IP mode: the network side is the TUN, the upstream port is optional
  c.upstream_port = static_cast<std::uint16_t>(r.num("upstream", "port", 0, 1, 65535, !c.ip));
  c.log.user_data = r.boolean("log", "user_data", c.log.user_data);
  PROSE_TRY_STATUS(read_common(r, c.pkmf, c.sidelink, c.log, c.prose_function));
  const bool with_gba = gba_on(r);
  const std::string imsi = r.str("gba", "imsi", "", with_gba);
  if (!imsi.empty() &&
      (imsi.size() < 6 || imsi.size() > 15 || imsi.find_first_not_of("0123456789") != std::string::npos))
    r.bad("gba.imsi", "must be 6 to 15 decimal digits");
  std::string k = r.str("gba", "k", "", with_gba);
  std::string opc = r.str("gba", "opc", "", with_gba);
  c.gba = read_gba(r, imsi, "{imsi}@ims.mnc001.mcc001.3gppnetwork.org");
  unknown_keys(r);
  PROSE_TRY_STATUS(r.status());
  if (c.gba) {
    PROSE_TRY(c.gba->k, usim_key(t, "gba", "k", k));
    PROSE_TRY(c.gba->opc, usim_key(t, "gba", "opc", opc));
  }
  return c;
}

std::span<const ConfigKey> relay_config_keys() {
  static const std::vector<ConfigKey> keys = with_common(kRelayKeys, relay_ip_keys());
  return keys;
}

std::span<const ConfigKey> remote_ue_config_keys() {
  static const std::vector<ConfigKey> keys = with_common(kRemoteUeKeys, remote_ue_ip_keys());
  return keys;
}

// ---- example configurations ---------------------------------------------------------------------------------
namespace {

std::string hex24(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%06x", v);
  return b;
}

std::string ports(const std::vector<std::uint16_t>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

// [gba], commented out: certificate mode unless bsf is set.
std::string gba_section(bool relay) {
  std::string s =
      "# GBA instead of the certificate (docs/agents.md): bootstrap over Ub with the BSF and reach the ProSe\n"
      "# Function and the PKMF with PSK-TLS (B-TID, Ks_(ext)_NAF). Setting bsf turns it on.\n"
      "[gba]\n"
      "# bsf = \"http://127.0.0.1:8080/\"\n";
  if (relay)
    s += "# The relay's own subscription (the PKMF maps the IMSI to this relay: [tls] relay_imsis).\n"
         "# imsi = \"001010000000901\"\n"
         "# k = \"<32 hex digits>\"\n"
         "# opc = \"<32 hex digits>\"\n"
         "# impi = \"{imsi}@ims.mnc001.mcc001.3gppnetwork.org\"\n\n";
  else
    s += "# The IMPI bootstrapped as (default ue.impi_template); the USIM is [ue] k and opc.\n"
         "# impi = \"{imsi}@ims.mnc001.mcc001.3gppnetwork.org\"\n\n";
  return s;
}

// [prose_function], [gba], [pkmf], [sidelink] and [log]: `cert` names the client credential in the PKI directory.
std::string common_sections(const ExampleOptions& o, const std::string& cert, std::uint16_t sidelink_port,
                            const std::vector<std::uint16_t>& peers, bool relay) {
  std::ostringstream f;
  f << "# Where the agent asks for its parameters (PC3 service authorisation over mutual TLS): its role, the PKMF\n"
       "# address and the discovery settings. With this section discovery is protected (PSDK from the PKMF).\n"
       "[prose_function]\n"
       "host = \"127.0.0.1\"\n"
       "port = "
    << o.prose_function_port
    << "\n"
       "# The name the ProSe Function's certificate must carry (pkmf.prose.test when the PKMF hosts it).\n"
       "server_name = \""
    << o.prose_function_server_name
    << "\"\n"
       "# This node's TLS credential, used for the ProSe Function and the PKMF (paths relative to this file).\n"
       "ca = \""
    << o.pki_dir << "/ca.pem\"\ncert = \"" << o.pki_dir << "/" << cert << ".pem\"\nkey = \"" << o.pki_dir << "/" << cert
    << ".key\"\n"
       "# TLS key log (NSS format, for Wireshark); off unless set.\n"
       "# keylog = \"tls-keys.log\"\n"
       "# GBA (gba.bsf set): the NAF FQDN of the ProSe Function's PSK-TLS key; default: server_name.\n"
       "# naf_fqdn = \"prose-function.prose.test\"\n"
       "# Ask the PKMF for discovery keys again this long before the PSDK expires.\n"
       "psdk_refresh_before_s = 300\n\n"
    << gba_section(relay)
    << "# The PKMF: with [prose_function] its address comes from the ProSe Function's answer and the TLS files from\n"
       "# [prose_function], so every key here is optional. Without [prose_function], port, ca, cert and key are\n"
       "# required (and discovery is unprotected, emulation format).\n"
       "[pkmf]\n"
       "# host = \"127.0.0.1\"\n"
       "# port = 8443\n"
       "# ca = \""
    << o.pki_dir << "/ca.pem\"\n# cert = \"" << o.pki_dir << "/" << cert << ".pem\"\n# key = \"" << o.pki_dir << "/"
    << cert
    << ".key\"\n"
       "# server_name = \"pkmf.prose.test\"\n"
       "# fqdn = \"pkmf.prose.test\"\n"
       "# keylog = \"tls-keys.log\"\n\n"
       "# PC5 emulated over UDP on 127.0.0.1: this node's port and the ports of the other nodes it sends frames to.\n"
       "[sidelink]\n"
       "port = "
    << sidelink_port << "\npeers = " << ports(peers)
    << "\n"
       "# Tests only: drop this fraction of sent frames; hold each frame delay_ms + a random 0..jitter_ms.\n"
       "loss = 0.0\n"
       "delay_ms = 0\n"
       "jitter_ms = 0\n\n"
       "[log]\n"
       "# CAP and PC5 lines (hex of every PC5 frame and MIKEY message, for `prose demo`'s pcap): off for a lab run.\n"
       "capture = false\n"
       "# Append the PC5 keys (PEK/PIK, discovery keys) to this file so Wireshark can decrypt; off unless set.\n"
       "# pc5_keylog = \"pc5-keys.log\"\n";
  if (relay)
    f << "# An MSC line per user datagram carried, in each direction (off for load tests: it is work per datagram).\n"
         "# user_data = true\n";
  return f.str();
}

}  // namespace

std::string relay_example_config(const ExampleOptions& o) {
  const std::string id = o.name.empty() ? "r1" : o.name;
  std::ostringstream f;
  f << "# UE-to-Network Relay configuration written by `prose relay example-config` (docs/agents.md).\n"
       "# Run it with: prose relay --config FILE\n"
       "[relay]\n"
       "# The relay's id: its certificate carries relay-<name>, the PKMF knows it (`prose admin relay-add --id`).\n"
       "name = \""
    << id
    << "\"\n"
       "# Layer-2 ID on the (emulated) sidelink, 24 bits, unique among the nodes.\n"
       "l2_id = "
    << hex24(o.l2_id ? o.l2_id : 0x00aa01)
    << "\n"
       "# Relay Service Code announced, 24 bits; the ProSe Function must authorise the relay for it.\n"
       "relay_service_code = "
    << hex24(o.relay_service_code)
    << "\n"
       "# Announcement period; the ProSe Function's answer sets it when [prose_function] is given.\n"
       "# announce_ms = 500\n"
       "# PC8 connections (worker threads) for KD requests; 0 keeps the relay single-threaded.\n"
       "pkmf_connections = 4\n"
       "# Ciphering of the links (128-EEA1/2/3), most preferred first: the first the Remote UE supports is used.\n"
       "# ciphering = [2, 3, 1]\n\n"
       "# Where the Remote UEs' user data goes (one UDP socket per Remote UE); replies come back through the relay.\n"
       "[upstream]\n"
       "host = \"127.0.0.1\"\n"
       "port = "
    << o.upstream_port << "\n\n"
    << common_sections(o, "relay-" + id, o.sidelink_port ? o.sidelink_port : 5001,
                       o.peers.empty() ? std::vector<std::uint16_t>{5002} : o.peers, true)
    << ip_example_section(true);
  return f.str();
}

std::string remote_ue_example_config(const ExampleOptions& o) {
  const std::string name = o.name.empty() ? "ue1" : o.name;
  const std::string k = o.k_hex.empty() ? random_secret(16).reveal_hex() : o.k_hex;
  const std::string opc = o.opc_hex.empty() ? random_secret(16).reveal_hex() : o.opc_hex;
  std::ostringstream f;
  f << "# Remote UE configuration written by `prose remote-ue example-config` (docs/agents.md).\n"
       "# Run it with: prose remote-ue --config FILE\n"
       "[ue]\n"
       "name = \""
    << name
    << "\"\n"
       "# The subscriber: its certificate carries imsi-<imsi>, the PKMF knows it (`prose admin ue-add --imsi`).\n"
       "imsi = \""
    << o.imsi
    << "\"\n"
       "# Layer-2 ID on the (emulated) sidelink, 24 bits, unique among the nodes.\n"
       "l2_id = "
    << hex24(o.l2_id ? o.l2_id : 0x00ee01)
    << "\n"
       "relay_service_code = "
    << hex24(o.relay_service_code)
    << "\n"
       "# The emulated USIM (32 hex digits each): the HSS/BSF must hold the same for GBA Push\n"
       "# (`prose hss add-subscriber --k ... --opc ...`).\n"
       "k = \""
    << k << "\"\nopc = \"" << opc
    << "\"\n"
       "impi_template = \"{imsi}@ims.mnc001.mcc001.3gppnetwork.org\"\n"
       "# PMK, PMK ID and PRUKs, AES-256-GCM wrapped with kek (64 hex digits) at rest.\n"
       "key_store = \""
    << name << ".keys\"\nkek = \"" << random_secret(32).reveal_hex()
    << "\"\n"
       "# Send a Key Request at start and wait for the PRUK by MIKEY (false: the link names the IMSI and the PKMF\n"
       "# delivers a PRUK by GBA Push through the relay, which needs the HSS/BSF).\n"
       "provision = "
    << (o.provision ? "true" : "false")
    << "\n"
       "# \"A\": listen for the relay's announcements; \"B\": solicit.\n"
       "discovery = \""
    << o.discovery
    << "\"\n"
       "# Applications send UDP datagrams to 127.0.0.1:app_port; they go through the relay, replies come back.\n"
       "app_port = "
    << o.app_port
    << "\n"
       "# Tests: a Direct Rekeying Request after every N datagrams (0: never), with the Auth Flag if rekey_auth.\n"
       "rekey_every = 0\n"
       "rekey_auth = false\n"
       "# UDP port MIKEY messages come to (0: ephemeral; SIGHUP binds a new one and tells the PKMF).\n"
       "mikey_port = 0\n"
       "# Tell the PKMF to stop PRUK delivery when the agent exits (SIGUSR1 does it at any time).\n"
       "stop_pruk_delivery_on_exit = false\n\n"
       "[mikey]\n"
       "# Also accept MIKEY with the RFC 3830 default algorithms (PRF MIKEY-1, HMAC-SHA-1-160).\n"
       "accept_rfc3830_defaults = false\n\n"
    << common_sections(o, "ue-" + o.imsi, o.sidelink_port ? o.sidelink_port : 5002,
                       o.peers.empty() ? std::vector<std::uint16_t>{5001} : o.peers, false)
    << ip_example_section(false);
  return f.str();
}

}  // namespace prose::agents

#include "prose/hss/config.h"

#include <fstream>
#include <sstream>

#include "prose/config/toml_reader.h"
#include "prose/diameter/constants.h"
#include "prose/net/plain_server.h"
#include "prose/util/hex.h"

namespace prose::hss {

Bytes NafEntry::naf_id() const {
  Bytes out(fqdn.begin(), fqdn.end());
  out.insert(out.end(), ua_security_protocol_id.begin(), ua_security_protocol_id.end());
  return out;
}

bool HssConfig::naf_authorised(ByteView naf_id) const {
  for (const auto& n : nafs) {
    Bytes id = n.naf_id();
    if (id.size() == naf_id.size() && std::equal(id.begin(), id.end(), naf_id.begin())) return true;
  }
  return false;
}

Result<HssConfig> parse_config(std::string_view text, const std::string& path) {
  // Errors name the file, or "config" for text that came from no file: "<file>: <key>: <problem>".
  const std::string label = path.empty() ? "config" : path;
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << label << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
    return fail(Errc::kInvalidArgument, os.str());
  }
  PROSE_TRY_STATUS(config::check_sections(root, label, {"server", "database", "sqn", "bsf"}));
  config::TomlReader r(label);
  // Strings are never empty: an empty value is "must not be empty", not the default.
  auto str = [&r](const toml::table* t, const std::string& where, const char* key, std::string def) {
    std::string v = r.str(t, where, key, def);
    if (v.empty() && t != nullptr && t->get(key) != nullptr) r.bad(where + "." + key, "must not be empty");
    return v;
  };
  HssConfig c;
  c.config_path = path;

  const toml::table* s = r.table(root, "server");
  r.only(s, "server",
         {"listen_address", "listen_port", "origin_host", "origin_realm", "max_message_size", "watchdog_interval",
          "log_format"});
  c.listen_address = str(s, "server", "listen_address", c.listen_address);
  c.listen_port = static_cast<std::uint16_t>(r.num(s, "server", "listen_port", c.listen_port, 0, 65535));
  c.origin_host = str(s, "server", "origin_host", c.origin_host);
  c.origin_realm = str(s, "server", "origin_realm", c.origin_realm);
  c.max_message_size = static_cast<std::size_t>(
      r.num(s, "server", "max_message_size", static_cast<std::int64_t>(c.max_message_size), 1024, 0xffffff));
  c.watchdog_interval_s = static_cast<int>(
      r.num(s, "server", "watchdog_interval", c.watchdog_interval_s, diameter::kWatchdogMinSeconds, 3600));
  if (auto f = log::format_from_name(str(s, "server", "log_format", "text")))
    c.log_format = *f;
  else
    r.bad("server.log_format", "must be \"text\" or \"json\"");

  const toml::table* db = r.table(root, "database");
  if (db == nullptr && root.get("database") == nullptr) r.bad("database", "missing table (needs path = \"...\")");
  r.only(db, "database", {"path"});
  if (db != nullptr && db->get("path") == nullptr) r.bad("database.path", "missing");
  c.database_path = str(db, "database", "path", "");
  if (!path.empty()) c.database_path = r.path(c.database_path);

  const toml::table* q = r.table(root, "sqn");
  r.only(q, "sqn", {"ind_bits", "delta"});
  c.sqn.ind_bits = static_cast<unsigned>(r.num(q, "sqn", "ind_bits", c.sqn.ind_bits, 0, 10));
  c.sqn.delta = static_cast<std::uint64_t>(
      r.num(q, "sqn", "delta", static_cast<std::int64_t>(c.sqn.delta), 1, std::int64_t{1} << 40));

  const toml::table* b = r.table(root, "bsf");
  r.only(b, "bsf", {"default_key_lifetime", "max_key_lifetime", "naf", "ub_listen", "bsf_host", "bootstrap_lifetime"});
  c.ub_listen = r.str(b, "bsf", "ub_listen", c.ub_listen);
  if (!c.ub_listen.empty() && !net::parse_loopback_endpoint(c.ub_listen).ok())
    r.bad("bsf.ub_listen", "must be HOST:PORT with a loopback HOST, e.g. \"127.0.0.1:8080\"");
  c.bsf_host = str(b, "bsf", "bsf_host", c.bsf_host);
  c.bootstrap_lifetime =
      static_cast<std::uint32_t>(r.num(b, "bsf", "bootstrap_lifetime", c.bootstrap_lifetime, 1, 0xffffffffLL));
  auto def = r.num(b, "bsf", "default_key_lifetime", c.default_key_lifetime, 1, 0xffffffffLL);
  auto mx = r.num(b, "bsf", "max_key_lifetime", c.max_key_lifetime, 1, 0xffffffffLL);
  if (def > mx) r.bad("bsf.default_key_lifetime", "larger than bsf.max_key_lifetime");
  c.default_key_lifetime = static_cast<std::uint32_t>(def);
  c.max_key_lifetime = static_cast<std::uint32_t>(mx);
  if (const toml::node* n = b != nullptr ? b->get("naf") : nullptr) {
    const toml::array* arr = n->as_array();
    if (arr == nullptr || !arr->is_array_of_tables()) r.bad("bsf.naf", "expected [[bsf.naf]] tables");
    for (std::size_t i = 0; r.ok() && arr != nullptr && i < arr->size(); ++i) {
      const toml::table* t = (*arr)[i].as_table();
      const std::string where = "bsf.naf[" + std::to_string(i) + "]";
      r.only(t, where, {"fqdn", "ua_security_protocol_id"});
      NafEntry e;
      if (t->get("fqdn") == nullptr) r.bad(where + ".fqdn", "missing");
      e.fqdn = str(t, where, "fqdn", "");
      if (e.fqdn.size() > 255) r.bad(where + ".fqdn", "longer than 255 octets");
      std::string ua = str(t, where, "ua_security_protocol_id", to_hex(ByteView(kPkmfUaId, 5)));
      auto ua_bytes = from_hex_exact(ua, 5, where + ".ua_security_protocol_id");
      if (!ua_bytes.ok()) {
        r.bad(where + ".ua_security_protocol_id", ua_bytes.error().message);
        continue;
      }
      e.ua_security_protocol_id = *ua_bytes;
      c.nafs.push_back(std::move(e));
    }
  }
  if (r.ok() && c.nafs.empty()) r.bad("bsf.naf", "at least one authorised NAF is required");
  if (!r.ok()) return *r.error();
  return c;
}

Result<HssConfig> load_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail(Errc::kInvalidArgument, path + ": cannot open the configuration file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_config(ss.str(), path);
}

std::string example_config(std::uint16_t port) {
  std::ostringstream os;
  os << "# prose hss: HSS/BSF emulator for labs (docs/hss.md)\n"
        "[server]\n"
        "listen_address = \"127.0.0.1\"   # Diameter over TCP; keep it on loopback (no TLS/IPsec here)\n"
        "listen_port = "
     << port
     << "\n"
        "origin_host = \"hss.prose.lab\"\n"
        "origin_realm = \"prose.lab\"\n"
        "max_message_size = 65536\n"
        "watchdog_interval = 30          # Tw in seconds (RFC 3539; at least 6): DWR after Tw of silence\n"
        "log_format = \"text\"            # or \"json\": one JSON object per line on stderr (time, level, msg, "
        "fields)\n"
        "\n"
        "[database]\n"
        "path = \"hss.db\"               # SQLite, relative to this file\n"
        "\n"
        "[sqn]\n"
        "ind_bits = 5                    # TS 33.102 Annex C: SQN = SEQ || IND\n"
        "delta = 268435456               # window the USIM accepts (2^28)\n"
        "\n"
        "[bsf]\n"
        "default_key_lifetime = 86400    # seconds\n"
        "max_key_lifetime = 604800\n"
        "# GBA bootstrapping: Ub (HTTP Digest AKA) on this loopback address, and Zn (BIR/BIA) on the Diameter port\n"
        "# ub_listen = \"127.0.0.1:8080\"\n"
        "bsf_host = \"bsf.prose.lab\"         # Digest realm and the host part of every B-TID\n"
        "bootstrap_lifetime = 3600       # seconds a B-TID and its NAF keys live\n"
        "\n"
        "[[bsf.naf]]                     # NAFs (PKMFs) allowed to ask for GPIs over Zpn\n"
        "fqdn = \"pkmf.prose.test\"             # the PKMF's default [pkmf] fqdn\n"
        "ua_security_protocol_id = \"010000010a\"   # provisional PKMF Ua id (profile.md)\n";
  return os.str();
}

}  // namespace prose::hss

#include "prose/hss/config.h"

#include <toml++/toml.h>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "prose/diameter/constants.h"
#include "prose/net/plain_server.h"
#include "prose/util/hex.h"

namespace prose::hss {

namespace {

Error cfg_error(const std::string& key, const std::string& what) {
  return make_error(Errc::kInvalidArgument, "config: " + key + ": " + what);
}

Status check_keys(const toml::table& t, const std::string& where, const std::set<std::string>& allowed) {
  for (const auto& [k, v] : t) {
    (void)v;
    std::string key(k.str());
    if (!allowed.count(key)) {
      return Unexpected{cfg_error(where.empty() ? key : where + "." + key, "unknown key")};
    }
  }
  return ok_status();
}

Result<std::string> get_string(const toml::table& t, const std::string& where, const char* key, std::string def) {
  const toml::node* n = t.get(key);
  if (!n) return def;
  auto v = n->value<std::string>();
  if (!v || !n->is_string()) return Unexpected{cfg_error(where + "." + key, "expected a string")};
  if (v->empty()) return Unexpected{cfg_error(where + "." + key, "must not be empty")};
  return *v;
}

Result<std::int64_t> get_int(const toml::table& t, const std::string& where, const char* key, std::int64_t def,
                             std::int64_t lo, std::int64_t hi) {
  const toml::node* n = t.get(key);
  if (!n) return def;
  if (!n->is_integer()) return Unexpected{cfg_error(where + "." + key, "expected an integer")};
  std::int64_t v = *n->value<std::int64_t>();
  if (v < lo || v > hi) {
    return Unexpected{
        cfg_error(where + "." + key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi))};
  }
  return v;
}

const toml::table* get_table(const toml::table& t, const char* key, Status& st) {
  const toml::node* n = t.get(key);
  if (!n) return nullptr;
  if (!n->is_table()) st = Unexpected{cfg_error(key, "expected a table")};
  return n->as_table();
}

}  // namespace

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
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << "config: " << (path.empty() ? "" : path + ":") << e.source().begin.line << ":" << e.source().begin.column
       << ": " << e.description();
    return fail(Errc::kInvalidArgument, os.str());
  }
  HssConfig c;
  c.config_path = path;
  PROSE_TRY_STATUS(check_keys(root, "", {"server", "database", "sqn", "bsf"}));
  Status st;
  if (const toml::table* s = get_table(root, "server", st)) {
    PROSE_TRY_STATUS(check_keys(*s, "server",
                                {"listen_address", "listen_port", "origin_host", "origin_realm", "max_message_size",
                                 "watchdog_interval", "log_format"}));
    PROSE_TRY(c.listen_address, get_string(*s, "server", "listen_address", c.listen_address));
    PROSE_TRY(auto port, get_int(*s, "server", "listen_port", c.listen_port, 0, 65535));
    c.listen_port = static_cast<std::uint16_t>(port);
    PROSE_TRY(c.origin_host, get_string(*s, "server", "origin_host", c.origin_host));
    PROSE_TRY(c.origin_realm, get_string(*s, "server", "origin_realm", c.origin_realm));
    PROSE_TRY(auto mms,
              get_int(*s, "server", "max_message_size", static_cast<std::int64_t>(c.max_message_size), 1024, 0xffffff));
    c.max_message_size = static_cast<std::size_t>(mms);
    PROSE_TRY(auto tw,
              get_int(*s, "server", "watchdog_interval", c.watchdog_interval_s, diameter::kWatchdogMinSeconds, 3600));
    c.watchdog_interval_s = static_cast<int>(tw);
    PROSE_TRY(auto format, get_string(*s, "server", "log_format", "text"));
    auto f = log::format_from_name(format);
    if (!f) return Unexpected{cfg_error("server.log_format", "must be \"text\" or \"json\"")};
    c.log_format = *f;
  }
  PROSE_TRY_STATUS(st);
  const toml::table* db = get_table(root, "database", st);
  PROSE_TRY_STATUS(st);
  if (!db) return Unexpected{cfg_error("database", "missing table (needs path = \"...\")")};
  PROSE_TRY_STATUS(check_keys(*db, "database", {"path"}));
  if (!db->get("path")) return Unexpected{cfg_error("database.path", "missing")};
  PROSE_TRY(c.database_path, get_string(*db, "database", "path", ""));
  if (!path.empty() && std::filesystem::path(c.database_path).is_relative()) {
    c.database_path = (std::filesystem::path(path).parent_path() / c.database_path).string();
  }
  if (const toml::table* s = get_table(root, "sqn", st)) {
    PROSE_TRY_STATUS(check_keys(*s, "sqn", {"ind_bits", "delta"}));
    PROSE_TRY(auto ind, get_int(*s, "sqn", "ind_bits", c.sqn.ind_bits, 0, 10));
    c.sqn.ind_bits = static_cast<unsigned>(ind);
    PROSE_TRY(auto delta, get_int(*s, "sqn", "delta", static_cast<std::int64_t>(c.sqn.delta), 1, 1LL << 40));
    c.sqn.delta = static_cast<std::uint64_t>(delta);
  }
  PROSE_TRY_STATUS(st);
  if (const toml::table* b = get_table(root, "bsf", st)) {
    PROSE_TRY_STATUS(check_keys(
        *b, "bsf", {"default_key_lifetime", "max_key_lifetime", "naf", "ub_listen", "bsf_host", "bootstrap_lifetime"}));
    PROSE_TRY(c.ub_listen, get_string(*b, "bsf", "ub_listen", c.ub_listen));
    if (!c.ub_listen.empty() && !net::parse_loopback_endpoint(c.ub_listen).ok())
      return Unexpected{cfg_error("bsf.ub_listen", "must be HOST:PORT with a loopback HOST, e.g. \"127.0.0.1:8080\"")};
    PROSE_TRY(c.bsf_host, get_string(*b, "bsf", "bsf_host", c.bsf_host));
    if (c.bsf_host.empty()) return Unexpected{cfg_error("bsf.bsf_host", "must not be empty")};
    PROSE_TRY(auto boot, get_int(*b, "bsf", "bootstrap_lifetime", c.bootstrap_lifetime, 1, 0xffffffffLL));
    c.bootstrap_lifetime = static_cast<std::uint32_t>(boot);
    PROSE_TRY(auto def, get_int(*b, "bsf", "default_key_lifetime", c.default_key_lifetime, 1, 0xffffffffLL));
    PROSE_TRY(auto mx, get_int(*b, "bsf", "max_key_lifetime", c.max_key_lifetime, 1, 0xffffffffLL));
    if (def > mx) return Unexpected{cfg_error("bsf.default_key_lifetime", "larger than bsf.max_key_lifetime")};
    c.default_key_lifetime = static_cast<std::uint32_t>(def);
    c.max_key_lifetime = static_cast<std::uint32_t>(mx);
    if (const toml::node* n = b->get("naf")) {
      const toml::array* arr = n->as_array();
      if (!arr || !arr->is_array_of_tables()) return Unexpected{cfg_error("bsf.naf", "expected [[bsf.naf]] tables")};
      std::size_t i = 0;
      for (const auto& el : *arr) {
        const toml::table& t = *el.as_table();
        std::string where = "bsf.naf[" + std::to_string(i++) + "]";
        PROSE_TRY_STATUS(check_keys(t, where, {"fqdn", "ua_security_protocol_id"}));
        NafEntry e;
        if (!t.get("fqdn")) return Unexpected{cfg_error(where + ".fqdn", "missing")};
        PROSE_TRY(e.fqdn, get_string(t, where, "fqdn", ""));
        if (e.fqdn.size() > 255) return Unexpected{cfg_error(where + ".fqdn", "longer than 255 octets")};
        PROSE_TRY(std::string ua, get_string(t, where, "ua_security_protocol_id", to_hex(ByteView(kPkmfUaId, 5))));
        auto ua_bytes = from_hex_exact(ua, 5, where + ".ua_security_protocol_id");
        if (!ua_bytes.ok()) return Unexpected{cfg_error(where + ".ua_security_protocol_id", ua_bytes.error().message)};
        e.ua_security_protocol_id = *ua_bytes;
        c.nafs.push_back(std::move(e));
      }
    }
  }
  PROSE_TRY_STATUS(st);
  if (c.nafs.empty()) return Unexpected{cfg_error("bsf.naf", "at least one authorised NAF is required")};
  return c;
}

Result<HssConfig> load_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail(Errc::kInvalidArgument, "config: cannot open " + path);
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

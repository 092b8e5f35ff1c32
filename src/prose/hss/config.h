// Configuration of `prose hss` (TOML). Strict: unknown tables or keys, wrong types and out-of-range values are
// errors that name the key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "prose/hss/store.h"
#include "prose/util/bytes.h"
#include "prose/util/log.h"
#include "prose/util/result.h"

namespace prose::hss {

struct NafEntry {
  std::string fqdn;
  Bytes ua_security_protocol_id;  // 5 octets
  Bytes naf_id() const;           // FQDN (UTF-8) || Ua security protocol id (TS 33.220 / profile.md)
};

struct HssConfig {
  std::string config_path;  // the file the config came from ("" when built in code)
  std::string listen_address = "127.0.0.1";
  std::uint16_t listen_port = 3868;
  std::string origin_host = "hss.prose.lab";
  std::string origin_realm = "prose.lab";
  std::size_t max_message_size = 65536;
  int watchdog_interval_s = 30;                 // Tw (RFC 3539 3.4.1: default 30 s, at least 6 s)
  log::Format log_format = log::Format::kText;  // [server] log_format: "text" or "json" (one JSON object per line)
  std::string database_path = "hss.db";         // resolved against the config file's directory
  SqnPolicy sqn;
  std::uint32_t default_key_lifetime = 86400;
  std::uint32_t max_key_lifetime = 7 * 86400;
  std::vector<NafEntry> nafs;  // NAFs authorised to request GPIs over Zpn
  // GBA bootstrapping (Ub, hss/ub_service.h) and Zn: [bsf] ub_listen ("HOST:PORT" on loopback; empty: no Ub, no Zn),
  // bsf_host (realm and B-TID host part), bootstrap_lifetime (seconds a B-TID and its keys live).
  std::string ub_listen;
  std::string bsf_host = "bsf.prose.lab";
  std::uint32_t bootstrap_lifetime = 3600;

  bool naf_authorised(ByteView naf_id) const;
};

// Provisional Ua security protocol id of the PKMF (docs/profile.md section 1).
inline constexpr std::uint8_t kPkmfUaId[5] = {0x01, 0x00, 0x00, 0x01, 0x0a};

Result<HssConfig> load_config(const std::string& path);
Result<HssConfig> parse_config(std::string_view toml_text, const std::string& path_for_relative = "");
// A commented, working loopback configuration (database file next to the config).
std::string example_config(std::uint16_t port = 3868);

}  // namespace prose::hss

// The PKMF configuration file (TOML). Relative paths are relative to the file's directory.
// `prose pkmf example-config --dir DIR` writes a complete working example; docs/pkmf.md documents every key.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "prose/net/plain_server.h"
#include "prose/net/server.h"
#include "prose/pkmf/audit_retention.h"
#include "prose/pkmf/hss_gba_push.h"
#include "prose/pkmf/service.h"
#include "prose/util/log.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::pkmf {

struct PkmfConfig {
  std::string config_path;
  ServiceConfig service;
  net::HttpsServerConfig https;
  std::string store_url;
  SecretBytes kek;  // from [store] kek (hex) or the environment variable named by kek_env
  std::int64_t audit_retention_days = kDefaultAuditRetentionDays;  // [store]; 0 = keep forever
  KdBatcherConfig kd_batch;  // KD lookups on a PostgreSQL store (docs/performance/pkmf.md)
  // [pkmf] metrics_listen: also serve /metrics over plain HTTP on this loopback address, to anyone who can
  // connect there. Over HTTPS /metrics is served to operator certificates only.
  std::optional<net::LoopbackEndpoint> metrics_listen;
  std::string mikey_bind = "127.0.0.1";
  std::uint16_t mikey_port = 0;
  std::optional<HssGbaPushConfig> hss;
  // [tls] mode = "gba": PSK-TLS (TS 33.222) with B-TID and Ks_(ext)_NAF from the BSF over Zn (prose/gba_naf) at
  // the [hss] peer, NAF FQDN [tls] naf_fqdn (default [pkmf] fqdn), instead of client certificates.
  std::optional<std::string> gba_naf_fqdn;
  // [tls] relay_imsis (gba mode): IMSI -> relay id of the relays that bootstrap with a USIM.
  std::map<std::string, std::string, std::less<>> gba_relays;
  std::string log_level = "info";
  log::Format log_format = log::Format::kText;  // [pkmf] log_format: "text" or "json" (one JSON object per line)
};

// kInvalidArgument with "<file>: <key>: <problem>" for anything wrong; nothing is half-applied. The sections of
// services a process hosts next to the PKMF (kHostedSections) are accepted and left to that process to read.
Result<PkmfConfig> load_config(const std::string& path);
// [prose_function]: the ProSe Function served on the PKMF's HTTPS port (read by pkmf_host/).
inline constexpr std::string_view kHostedSections[] = {"prose_function"};

// Writes DIR/pkmf.toml with a test PKI in DIR/pki (CA, PKMF server certificate, the given UE, relay and operator
// client certificates, an empty CRL) and an SQLite store path inside DIR; returns the config file's path.
struct ExampleConfigOptions {
  std::string dir;
  std::uint16_t port = 8443;
  std::uint16_t mikey_port = 2270;
  std::vector<std::string> ue_imsis = {"001010000000001", "001010000000002"};
  std::vector<std::string> relay_ids = {"r1"};
  std::vector<std::string> operator_ids = {"ops"};  // operator-<name> certificates: may read /metrics
  std::optional<std::uint16_t> hss_port = 3868;
  std::string store_url;  // empty: sqlite:pkmf.db in DIR
};
Result<std::string> write_example_config(const ExampleConfigOptions& options);

}  // namespace prose::pkmf

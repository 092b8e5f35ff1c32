// Configuration of the ProSe Function (TOML), standalone (`prose prose-function --config FILE`) or hosted in the
// PKMF process (a [prose_function] section of the PKMF configuration). Relative paths are relative to the file.
// docs/prosefn.md documents every key.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "prose/net/plain_server.h"
#include "prose/net/server.h"
#include "prose/prosefn/service.h"
#include "prose/util/log.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::prosefn {

// [tls] mode = "gba" of the standalone process: a GBA NAF (TS 33.222 PSK-TLS, B-TID and Ks_(ext)_NAF from the BSF
// over Zn) instead of client certificates. `prose prose-function` wires gba_naf::NafKeys with these into
// https.tls.psk_grant; [hss] is the BSF's Diameter peer.
struct GbaNafConfig {
  std::string naf_fqdn;                                           // [tls] naf_fqdn (default [pkmf] fqdn)
  std::map<std::string, std::string, std::less<>> relay_by_imsi;  // [tls] relay_imsis
  std::string hss_host = "127.0.0.1";                             // [hss] host, port, origin_host, origin_realm,
  std::uint16_t hss_port = 3868;                                  // destination_realm, timeout_ms
  std::string origin_host = "prose-function.prose.lab";
  std::string origin_realm = "prose.lab";
  std::string destination_realm = "prose.lab";
  std::int64_t timeout_ms = 5000;
};

// The standalone process.
struct ProseFunctionConfig {
  std::string config_path;
  net::HttpsServerConfig https;
  std::string store_url;
  SecretBytes kek;
  ParameterDefaults parameters;
  std::string log_level = "info";
  log::Format log_format = log::Format::kText;  // [prose_function] log_format: "text" or "json"
  // [prose_function] metrics_listen: also serve /metrics over plain HTTP on this loopback address. Over HTTPS
  // /metrics is served to operator certificates only.
  std::optional<net::LoopbackEndpoint> metrics_listen;
  std::optional<GbaNafConfig> gba;
};

// kInvalidArgument with "<file>: <key>: <problem>"; nothing is half-applied.
Result<ProseFunctionConfig> load_config(const std::string& path);

// Hosted in the PKMF: the parsed [prose_function] section. `pkmf_port_from_server`: the PKMF address port was not
// given and the PKMF listens on an ephemeral port, so the server fills it in once bound.
struct HostedConfig {
  ParameterDefaults parameters;
  bool pkmf_port_from_server = false;
};
// The parser of the [prose_function] section is in toml_section.h (it needs toml++).

// Writes DIR/prose-function.toml with a test PKI in DIR/pki (unless one exists: then its CA is reused) and an
// SQLite store path inside DIR; returns the config file's path.
struct ExampleConfigOptions {
  std::string dir;
  std::uint16_t port = 8444;
  std::uint16_t pkmf_port = 8443;
  std::vector<std::string> ue_imsis = {"001010000000001", "001010000000002"};
  std::vector<std::string> relay_ids = {"r1"};
  std::string store_url;  // empty: sqlite:pkmf.db in DIR (the PKMF's store of `prose pkmf example-config`)
};
Result<std::string> write_example_config(const ExampleConfigOptions& options);

}  // namespace prose::prosefn

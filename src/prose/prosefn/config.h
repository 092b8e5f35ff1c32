// Configuration of the ProSe Function (TOML), standalone (`prose prose-function --config FILE`) or hosted in the
// PKMF process (a [prose_function] section of the PKMF configuration). Relative paths are relative to the file.
// docs/prosefn.md documents every key.
#pragma once

#include <cstdint>
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

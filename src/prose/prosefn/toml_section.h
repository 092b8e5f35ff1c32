// The [prose_function] section of the PKMF configuration (toml++ is included only by the users of this header).
#pragma once

#include <toml++/toml.h>

#include <optional>
#include <string>

#include "prose/prosefn/config.h"

namespace prose::prosefn {

// Parses the [prose_function] table of the PKMF configuration `root` read from `file` (nullopt when absent or
// enabled = false). kInvalidArgument "<file>: prose_function.<key>: <problem>". The PKMF address defaults to the
// PKMF's own listen address (its FQDN when it listens on a wildcard address), HTTPS port and FQDN (which is also
// the TLS server name).
Result<std::optional<HostedConfig>> parse_hosted_section(const toml::table& root, const std::string& file,
                                                         const std::string& pkmf_listen, std::uint16_t pkmf_port,
                                                         const std::string& pkmf_fqdn);

}  // namespace prose::prosefn

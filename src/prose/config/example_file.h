// The lab setups written by `prose pkmf example-config` and `prose prose-function example-config`.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "prose/util/result.h"

namespace prose::config {

// Creates `dir` (kIo "cannot create <dir>: <reason>") and a test PKI in <dir>/pki with client certificates for
// `ues`, `relays` and `operators` unless <dir>/pki/ca.pem exists (a PKI without a CRL gets an empty one).
// Returns the absolute <dir>/<file>, which must not exist yet (kInvalidArgument "<path> already exists").
Result<std::filesystem::path> prepare_example(const std::string& dir, const std::string& file,
                                              const std::vector<std::string>& ues,
                                              const std::vector<std::string>& relays,
                                              const std::vector<std::string>& operators = {});

// Writes `text` to `path` and makes it readable by the owner only (it holds a KEK): kIo "cannot write <path>".
Status write_private_file(const std::filesystem::path& path, const std::string& text);

// The [tls] section for pki/<name>.pem, pki/<name>.key, pki/ca.pem and pki/crl.pem (followed by an empty line).
std::string example_tls_section(const std::string& name);

}  // namespace prose::config

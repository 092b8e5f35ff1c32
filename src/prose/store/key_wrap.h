// Keys at rest: AES-256-GCM under the key-encryption key (KEK), bound to the row that holds them.
//   blob = version (1 octet, 0x01) || nonce (12) || ciphertext || tag (16);  AAD = label (e.g. "pruk:<id>")
// A blob moved to another row, or any flipped bit, fails to open.
#pragma once

#include <string_view>

#include "prose/util/bytes.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::store {

inline constexpr std::size_t kKekSize = 32;

Result<Bytes> wrap_key(const SecretBytes& kek, const SecretBytes& key, std::string_view label);
Result<SecretBytes> unwrap_key(const SecretBytes& kek, ByteView blob, std::string_view label);

}  // namespace prose::store

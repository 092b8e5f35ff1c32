// TS 33.220 Annex B generic key derivation function:
//   derived key = HMAC-SHA-256(Key, S),  S = FC || P0 || L0 || P1 || L1 || ... || Pn || Ln
// where Li is the length of Pi in octets as a 2-octet big-endian number (B.2). Generic over FC and any
// number of parameters; the ProSe derivations that use it live in prose/keys.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "prose/util/bytes.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::crypto {

// The input string S (exposed for tests and for the `prose crypto kdf` calculator).
// Fails when a parameter is longer than 65535 octets (33.220 B.1).
Result<Bytes> kdf_input(std::uint8_t fc, const std::vector<ByteView>& params);
// 256-bit output.
Result<SecretBytes> kdf(ByteView key, std::uint8_t fc, const std::vector<ByteView>& params);

inline ByteView as_bytes(std::string_view s) {
  return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

}  // namespace prose::crypto

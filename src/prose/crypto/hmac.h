// HMAC-SHA-256 (RFC 2104 / FIPS 198-1) on OpenSSL.
#pragma once

#include <array>
#include <cstdint>

#include "prose/util/bytes.h"
#include "prose/util/secret.h"

namespace prose::crypto {

inline constexpr std::size_t kSha256Size = 32;

enum class HmacDigest { kSha1, kSha256 };

// HMAC of the concatenation of `parts`: 20 octets (SHA-1) or 32 octets (SHA-256).
SecretBytes hmac(HmacDigest digest, ByteView key, std::initializer_list<ByteView> parts);
// Full 32-octet HMAC-SHA-256 of the concatenation of `parts`.
inline SecretBytes hmac_sha256(ByteView key, std::initializer_list<ByteView> parts) {
  return hmac(HmacDigest::kSha256, key, parts);
}
inline SecretBytes hmac_sha256(ByteView key, ByteView data) { return hmac_sha256(key, {data}); }
Bytes sha256(ByteView data);

}  // namespace prose::crypto

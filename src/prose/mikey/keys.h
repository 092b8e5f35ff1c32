// MIKEY key derivation (RFC 3830 4.1.2-4.1.4, RFC 6043 PRF-HMAC-SHA-256), MACs and AES-CM-128 (RFC 3830 4.2.3).
#pragma once

#include <cstdint>

#include "prose/mikey/constants.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"
#include "prose/util/secret.h"

namespace prose::mikey {

// HMAC with the hash used by a MIKEY PRF / MAC algorithm (SHA-1 or SHA-256), full output.
SecretBytes hmac(bool sha256, ByteView key, std::initializer_list<ByteView> parts);

// The MIKEY PRF (RFC 3830 4.1.2): inkey is split into 256-bit pieces s1..sn, each expanded with the
// P-function P(s, label, m) = HMAC(s, A1 || label) || ... || HMAC(s, Am || label), A0 = label,
// Ai = HMAC(s, A(i-1)), and the results XORed; m = ceil(out_len / hash_len). MIKEY-1 uses HMAC-SHA-1,
// PRF-HMAC-SHA-256 the same construction with HMAC-SHA-256. Fails for an unknown PRF or empty inkey.
Result<SecretBytes> prf(std::uint8_t prf_func, ByteView inkey, ByteView label, std::size_t out_len);

// label = constant || 0xFF || CSB ID || RAND (RFC 3830 4.1.4, keys from a pre-shared key).
Bytes psk_label(std::uint32_t constant, std::uint32_t csb_id, ByteView rand);

struct TransportKeys {
  SecretBytes encr_key;  // 16 octets for AES-CM-128 (empty for NULL encryption)
  SecretBytes salt_key;  // 14 octets for AES-CM-128
  SecretBytes auth_key;  // 20 (HMAC-SHA-1-160) or 32 (HMAC-SHA-256-256) octets
};

// Derives the transport keys of RFC 3830 4.1.4 from the pre-shared key for the given algorithms.
Result<TransportKeys> derive_transport_keys(std::uint8_t prf_func, ByteView psk, std::uint32_t csb_id, ByteView rand,
                                            std::uint8_t encr_alg, std::uint8_t mac_alg);

// MAC for KEMAC/V by algorithm (NULL gives an empty MAC).
Result<Bytes> compute_mac(std::uint8_t mac_alg, ByteView auth_key, std::initializer_list<ByteView> parts);

// AES-128 in counter mode with a 128-bit big-endian counter starting at `iv` (RFC 3711 4.1.1 as used by
// RFC 3830 4.2.3). Encryption and decryption are the same operation.
Result<Bytes> aes_cm_128(ByteView key, ByteView iv, ByteView data);
SecretBytes aes_cm_128_secret(ByteView key, ByteView iv, ByteView data);

// KEMAC AES-CM IV (RFC 3830 4.2.3): (S XOR (0x0000 || CSB ID || T)) || 0x0000, S = 112-bit salt key and
// T the 64-bit timestamp (a 32-bit COUNTER left-padded with zeros).
Result<Bytes> kemac_iv(ByteView salt_key, std::uint32_t csb_id, std::uint64_t t);

}  // namespace prose::mikey

#include "prose/cipher/aes_eps.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>

#include "prose/cipher/detail.h"

namespace prose::cipher::aes {
namespace {

const EVP_CIPHER* fetched(const char* name) {
  // Explicit fetch once: avoids the per-call implicit fetch of EVP_aes_128_*() under OpenSSL 3.
  EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, name, nullptr);
  return c;
}
const EVP_CIPHER* ctr_cipher() {
  static const EVP_CIPHER* c = fetched("AES-128-CTR");
  return c;
}
const EVP_CIPHER* cbc_cipher() {
  static const EVP_CIPHER* c = fetched("AES-128-CBC");
  return c;
}

// One OpenSSL context per thread and mode, remembering the key it was keyed with.
struct KeyedCtx {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  bool keyed = false;
  std::uint8_t key[16] = {};
  std::uint8_t k1[16] = {}, k2[16] = {};  // CMAC subkeys (CBC context only)
  ~KeyedCtx() {
    EVP_CIPHER_CTX_free(ctx);  // cleanses the key schedule
    detail::wipe(key, sizeof key);
    detail::wipe(k1, sizeof k1);
    detail::wipe(k2, sizeof k2);
  }
  // Constant-time comparison of two 16-octet keys (inline: two 64-bit XORs).
  bool same_key(const std::uint8_t* k) const {
    std::uint64_t a[2], b[2];
    std::memcpy(a, key, 16);
    std::memcpy(b, k, 16);
    return keyed && (((a[0] ^ b[0]) | (a[1] ^ b[1])) == 0);
  }
};

KeyedCtx& ctr_ctx() {
  thread_local KeyedCtx c;
  return c;
}
KeyedCtx& cbc_ctx() {
  thread_local KeyedCtx c;
  return c;
}

Unexpected openssl_error(const char* what) { return fail(Errc::kInternal, std::string("OpenSSL ") + what + " failed"); }

void dbl(const std::uint8_t in[16], std::uint8_t out[16]) {
  const std::uint8_t carry = in[0] >> 7;
  for (int i = 0; i < 15; ++i) out[i] = static_cast<std::uint8_t>((in[i] << 1) | (in[i + 1] >> 7));
  out[15] = static_cast<std::uint8_t>((in[15] << 1) ^ (carry ? 0x87 : 0x00));
}

}  // namespace

Status eea2(const std::uint8_t key[16], std::uint32_t count, std::uint32_t bearer, std::uint32_t direction,
            const std::uint8_t* in, std::uint8_t* out, std::size_t length_bits) {
  const std::size_t n = detail::bytes_for_bits(length_bits);
  if (n == 0) return ok_status();
  KeyedCtx& c = ctr_ctx();
  if (c.ctx == nullptr || ctr_cipher() == nullptr) return openssl_error("AES-128-CTR setup");
  // T1 = COUNT || BEARER || DIRECTION || 0^26 || 0^64 (TS 33.401 B.1.3).
  std::uint8_t iv[16] = {};
  detail::store_be32(iv, count);
  iv[4] = static_cast<std::uint8_t>(((bearer & 0x1F) << 3) | ((direction & 1) << 2));
  if (c.same_key(key)) {
    if (EVP_EncryptInit_ex2(c.ctx, nullptr, nullptr, iv, nullptr) != 1) return openssl_error("AES-CTR init");
  } else {
    c.keyed = false;
    if (EVP_EncryptInit_ex2(c.ctx, ctr_cipher(), key, iv, nullptr) != 1) return openssl_error("AES-CTR init");
    std::memcpy(c.key, key, 16);
    c.keyed = true;
  }
  // OpenSSL increments the whole 128-bit block; the 64 low bits start at 0 and cannot wrap within one message,
  // so this equals the spec's "increment the 64 LSBs mod 2^64".
  std::size_t off = 0;
  while (off < n) {
    const std::size_t chunk = n - off > (1u << 30) ? (1u << 30) : n - off;
    int outl = 0;
    if (EVP_EncryptUpdate(c.ctx, out + off, &outl, in + off, static_cast<int>(chunk)) != 1)
      return openssl_error("AES-CTR update");
    off += chunk;
  }
  detail::mask_tail(out, length_bits);
  return ok_status();
}

Result<std::uint32_t> eia2(const std::uint8_t key[16], std::uint32_t count, std::uint32_t bearer,
                           std::uint32_t direction, const std::uint8_t* msg, std::size_t length_bits) {
  KeyedCtx& c = cbc_ctx();
  if (c.ctx == nullptr || cbc_cipher() == nullptr) return openssl_error("AES-128-CBC setup");
  static const std::uint8_t kZero[16] = {};
  int outl = 0;
  if (!c.same_key(key)) {
    c.keyed = false;
    if (EVP_EncryptInit_ex2(c.ctx, cbc_cipher(), key, kZero, nullptr) != 1 || EVP_CIPHER_CTX_set_padding(c.ctx, 0) != 1)
      return openssl_error("AES-CBC init");
    std::uint8_t l[16];
    if (EVP_EncryptUpdate(c.ctx, l, &outl, kZero, 16) != 1) return openssl_error("AES-CBC update");
    dbl(l, c.k1);  // SP 800-38B subkeys: K1 = dbl(AES_K(0^128)), K2 = dbl(K1)
    dbl(c.k1, c.k2);
    detail::wipe(l, sizeof l);
    std::memcpy(c.key, key, 16);
    c.keyed = true;
  }
  if (EVP_EncryptInit_ex2(c.ctx, nullptr, nullptr, kZero, nullptr) != 1) return openssl_error("AES-CBC init");

  // M = COUNT || BEARER || DIRECTION || 0^26 || MESSAGE, BLENGTH = LENGTH + 64 bits.
  std::uint8_t hdr[8] = {};
  detail::store_be32(hdr, count);
  hdr[4] = static_cast<std::uint8_t>(((bearer & 0x1F) << 3) | ((direction & 1) << 2));
  const std::size_t blen = length_bits + 64;
  const std::size_t nblocks = (blen + 127) / 128;  // >= 1
  const bool complete = blen % 128 == 0;
  // Octets of M before the last block: 16 * (nblocks - 1) = 8 header octets + msg_prefix message octets.
  const std::size_t msg_prefix = 16 * (nblocks - 1) - 8 * (nblocks > 1 ? 1 : 0);
  std::uint8_t scratch[1024 + 16];
  std::uint8_t last[16] = {};
  if (nblocks > 1) {
    if (EVP_EncryptUpdate(c.ctx, scratch, &outl, hdr, 8) != 1) return openssl_error("AES-CBC update");
    for (std::size_t off = 0; off < msg_prefix;) {
      const std::size_t chunk = msg_prefix - off > 1024 ? 1024 : msg_prefix - off;
      if (EVP_EncryptUpdate(c.ctx, scratch, &outl, msg + off, static_cast<int>(chunk)) != 1)
        return openssl_error("AES-CBC update");
      off += chunk;
    }
    // Last block: the message bits after msg_prefix octets.
    const std::size_t tail_bits = length_bits - 8 * msg_prefix;  // 1..128
    std::memcpy(last, msg + msg_prefix, detail::bytes_for_bits(tail_bits));
    detail::mask_tail(last, tail_bits);
    if (!complete) last[tail_bits / 8] |= static_cast<std::uint8_t>(0x80u >> (tail_bits % 8));
  } else {
    // Single block: header (64 bits) + up to 64 message bits.
    std::memcpy(last, hdr, 8);
    if (length_bits != 0) std::memcpy(last + 8, msg, detail::bytes_for_bits(length_bits));
    const std::size_t bits = blen;  // 64..128
    detail::mask_tail(last, bits);
    if (!complete) last[bits / 8] |= static_cast<std::uint8_t>(0x80u >> (bits % 8));
  }
  const std::uint8_t* sub = complete ? c.k1 : c.k2;
  for (int i = 0; i < 16; ++i) last[i] ^= sub[i];
  std::uint8_t tag[16];
  if (EVP_EncryptUpdate(c.ctx, tag, &outl, last, 16) != 1 || outl != 16) return openssl_error("AES-CBC update");
  const std::uint32_t mac = detail::load_be32(tag);
  detail::wipe(last, sizeof last);
  detail::wipe(tag, sizeof tag);
  detail::wipe(scratch, sizeof scratch);
  return mac;
}

}  // namespace prose::cipher::aes

#include "prose/crypto/aes128.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

namespace prose::crypto {
namespace {

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "fatal: OpenSSL %s failed\n", what);
  std::abort();
}

// Fetched once: the fetch is the expensive part of setting up a cipher with OpenSSL 3.
const EVP_CIPHER* aes128_ecb() {
  static EVP_CIPHER* c = [] {
    EVP_CIPHER* x = EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr);
    if (x == nullptr) die("EVP_CIPHER_fetch(AES-128-ECB)");
    return x;
  }();
  return c;
}

}  // namespace

void Aes128::Free::operator()(evp_cipher_ctx_st* ctx) const { EVP_CIPHER_CTX_free(ctx); }

Result<Aes128> Aes128::create(ByteView key) {
  if (key.size() != 16) {
    return fail(Errc::kInvalidArgument, "AES-128 key must be 16 octets, got " + std::to_string(key.size()));
  }
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr) die("EVP_CIPHER_CTX_new");
  if (EVP_EncryptInit_ex2(ctx, aes128_ecb(), key.data(), nullptr, nullptr) != 1) die("EVP_EncryptInit_ex2");
  if (EVP_CIPHER_CTX_set_padding(ctx, 0) != 1) die("EVP_CIPHER_CTX_set_padding");
  return Aes128(ctx);
}

void Aes128::encrypt_block(const std::uint8_t* in, std::uint8_t* out) const {
  int len = 0;
  if (EVP_EncryptUpdate(ctx_.get(), out, &len, in, static_cast<int>(kAesBlockSize)) != 1 ||
      len != static_cast<int>(kAesBlockSize)) {
    die("EVP_EncryptUpdate(AES-128-ECB)");
  }
}

}  // namespace prose::crypto

#include "prose/crypto/hmac.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace prose::crypto {
namespace {

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "fatal: OpenSSL %s failed\n", what);
  std::abort();
}

// Fetched once: EVP_MAC_fetch is the expensive part of an HMAC with OpenSSL 3.
EVP_MAC* hmac_algorithm() {
  static EVP_MAC* mac = [] {
    EVP_MAC* m = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (m == nullptr) die("EVP_MAC_fetch(HMAC)");
    return m;
  }();
  return mac;
}

}  // namespace

SecretBytes hmac(HmacDigest digest, ByteView key, std::initializer_list<ByteView> parts) {
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(EVP_MAC_CTX_new(hmac_algorithm()), &EVP_MAC_CTX_free);
  if (!ctx) die("EVP_MAC_CTX_new");
  char sha256_name[] = "SHA256";
  char sha1_name[] = "SHA1";
  const bool sha256 = digest == HmacDigest::kSha256;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, sha256 ? sha256_name : sha1_name, 0),
                         OSSL_PARAM_construct_end()};
  static const std::uint8_t kEmpty = 0;
  if (EVP_MAC_init(ctx.get(), key.empty() ? &kEmpty : key.data(), key.size(), params) != 1) die("EVP_MAC_init");
  for (auto p : parts) {
    if (!p.empty() && EVP_MAC_update(ctx.get(), p.data(), p.size()) != 1) die("EVP_MAC_update");
  }
  const std::size_t want = sha256 ? kSha256Size : 20;
  SecretBytes out(want);
  std::size_t len = 0;
  if (EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1 || len != want) die("EVP_MAC_final");
  return out;
}

Bytes sha256(ByteView data) {
  Bytes md(SHA256_DIGEST_LENGTH);
  SHA256(data.data(), data.size(), md.data());
  return md;
}

}  // namespace prose::crypto

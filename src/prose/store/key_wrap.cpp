#include "prose/store/key_wrap.h"

#include <openssl/evp.h>

#include <memory>

#include "prose/util/byte_reader.h"
#include "prose/util/byte_writer.h"
#include "prose/util/random.h"

namespace prose::store {
namespace {

constexpr std::uint8_t kVersion = 0x01;
constexpr std::size_t kNonceSize = 12;
constexpr std::size_t kTagSize = 16;

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const std::uint8_t* label_ptr(std::string_view label) { return reinterpret_cast<const std::uint8_t*>(label.data()); }

}  // namespace

Result<Bytes> wrap_key(const SecretBytes& kek, const SecretBytes& key, std::string_view label) {
  if (kek.size() != kKekSize) return fail(Errc::kInvalidArgument, "key-encryption key must be 32 octets");
  Bytes nonce = random_bytes(kNonceSize);
  Bytes ct(key.size());
  std::uint8_t tag[kTagSize];
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, kek.data(), nonce.data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, label_ptr(label), static_cast<int>(label.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), ct.data(), &len, key.data(), static_cast<int>(key.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), ct.data() + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, tag) != 1) {
    return fail(Errc::kInternal, "AES-256-GCM encryption failed");
  }
  ByteWriter w(1 + kNonceSize + ct.size() + kTagSize);
  w.u8(kVersion).bytes(nonce).bytes(ct).bytes(ByteView(tag, kTagSize));
  return w.take();
}

Result<SecretBytes> unwrap_key(const SecretBytes& kek, ByteView blob, std::string_view label) {
  if (kek.size() != kKekSize) return fail(Errc::kInvalidArgument, "key-encryption key must be 32 octets");
  ByteReader r(blob);
  PROSE_TRY(std::uint8_t version, r.u8("wrapped key version"));
  if (version != kVersion) return fail(Errc::kUnsupported, "wrapped key version " + std::to_string(version));
  PROSE_TRY(ByteView nonce, r.bytes(kNonceSize, "wrapped key nonce"));
  if (r.remaining() < kTagSize) return fail(Errc::kTruncated, "wrapped key shorter than its tag");
  PROSE_TRY(ByteView ct, r.bytes(r.remaining() - kTagSize, "wrapped key ciphertext"));
  PROSE_TRY(ByteView tag, r.bytes(kTagSize, "wrapped key tag"));
  SecretBytes out(ct.size());
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  Bytes tag_copy(tag.begin(), tag.end());
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, kek.data(), nonce.data()) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, label_ptr(label), static_cast<int>(label.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), out.data(), &len, ct.data(), static_cast<int>(ct.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag_copy.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &len) != 1) {
    return fail(Errc::kAuthFailed, "stored key does not decrypt under the configured key-encryption key");
  }
  return out;
}

}  // namespace prose::store

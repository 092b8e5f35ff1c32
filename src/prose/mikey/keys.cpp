#include "prose/mikey/keys.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "prose/crypto/hmac.h"
#include "prose/util/byte_writer.h"

namespace prose::mikey {
namespace {

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "fatal: OpenSSL %s failed\n", what);
  std::abort();
}

constexpr std::size_t kInkeyPiece = 32;  // 256-bit pieces (RFC 3830 4.1.2)

void p_function(bool sha256, ByteView s, ByteView label, std::size_t m, MutableByteView acc) {
  SecretBytes a = hmac(sha256, s, {label});  // A1
  std::size_t pos = 0;
  for (std::size_t i = 0; i < m; ++i) {
    if (i > 0) a = hmac(sha256, s, {a.view()});
    SecretBytes block = hmac(sha256, s, {a.view(), label});
    for (std::size_t j = 0; j < block.size() && pos < acc.size(); ++j) acc[pos++] ^= block.data()[j];
  }
}

}  // namespace

SecretBytes hmac(bool sha256, ByteView key, std::initializer_list<ByteView> parts) {
  return crypto::hmac(sha256 ? crypto::HmacDigest::kSha256 : crypto::HmacDigest::kSha1, key, parts);
}

Result<SecretBytes> prf(std::uint8_t prf_func, ByteView inkey, ByteView label, std::size_t out_len) {
  bool sha256;
  switch (static_cast<PrfFunc>(prf_func)) {
    case PrfFunc::kMikey1:
      sha256 = false;
      break;
    case PrfFunc::kHmacSha256:
      sha256 = true;
      break;
    default:
      return fail(Errc::kUnsupported, "PRF func " + std::to_string(prf_func) + " not supported");
  }
  if (inkey.empty()) return fail(Errc::kInvalidArgument, "PRF: empty inkey");
  std::size_t hash_len = sha256 ? 32 : 20;
  std::size_t m = (out_len + hash_len - 1) / hash_len;
  SecretBytes out(out_len);
  for (std::size_t off = 0; off < inkey.size(); off += kInkeyPiece) {
    ByteView s = inkey.subspan(off, std::min(kInkeyPiece, inkey.size() - off));
    p_function(sha256, s, label, m, out.mutable_view());
  }
  return out;
}

Bytes psk_label(std::uint32_t constant, std::uint32_t csb_id, ByteView rand) {
  ByteWriter w(9 + rand.size());
  w.u32(constant).u8(kPskLabelCsId).u32(csb_id).bytes(rand);
  return w.take();
}

Result<TransportKeys> derive_transport_keys(std::uint8_t prf_func, ByteView psk, std::uint32_t csb_id, ByteView rand,
                                            std::uint8_t encr_alg, std::uint8_t mac_alg) {
  TransportKeys k;
  switch (static_cast<EncrAlg>(encr_alg)) {
    case EncrAlg::kNull:
      break;
    case EncrAlg::kAesCm128: {
      PROSE_TRY(k.encr_key, prf(prf_func, psk, psk_label(kLabelPskEncr, csb_id, rand), kAesCm128KeyLen));
      PROSE_TRY(k.salt_key, prf(prf_func, psk, psk_label(kLabelPskSalt, csb_id, rand), kSaltKeyLen));
      break;
    }
    default:
      return fail(Errc::kUnsupported, "KEMAC encr alg " + std::to_string(encr_alg) + " not supported");
  }
  std::size_t auth_len;
  switch (static_cast<MacAlg>(mac_alg)) {
    case MacAlg::kHmacSha1_160:
      auth_len = kHmacSha1AuthKeyLen;
      break;
    case MacAlg::kHmacSha256_256:
      auth_len = kHmacSha256AuthKeyLen;
      break;
    case MacAlg::kNull:
      return k;
    default:
      return fail(Errc::kUnsupported, "MAC alg " + std::to_string(mac_alg) + " not supported");
  }
  PROSE_TRY(k.auth_key, prf(prf_func, psk, psk_label(kLabelPskAuth, csb_id, rand), auth_len));
  return k;
}

Result<Bytes> compute_mac(std::uint8_t mac_alg, ByteView auth_key, std::initializer_list<ByteView> parts) {
  switch (static_cast<MacAlg>(mac_alg)) {
    case MacAlg::kNull:
      return Bytes{};
    case MacAlg::kHmacSha1_160:
    case MacAlg::kHmacSha256_256: {
      SecretBytes t = hmac(mac_alg == static_cast<std::uint8_t>(MacAlg::kHmacSha256_256), auth_key, parts);
      return Bytes(t.view().begin(), t.view().end());  // a MAC is public once sent
    }
  }
  return fail(Errc::kUnsupported, "MAC alg " + std::to_string(mac_alg) + " not supported");
}

SecretBytes aes_cm_128_secret(ByteView key, ByteView iv, ByteView data) {
  SecretBytes out(data.size());
  if (key.size() != 16 || iv.size() != 16) die("aes_cm_128 key/iv size");
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!ctx) die("EVP_CIPHER_CTX_new");
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_ctr(), nullptr, key.data(), iv.data()) != 1) die("EncryptInit");
  int len = 0;
  if (!data.empty() && EVP_EncryptUpdate(ctx.get(), out.data(), &len, data.data(), static_cast<int>(data.size())) != 1)
    die("EncryptUpdate");
  return out;
}

Result<Bytes> aes_cm_128(ByteView key, ByteView iv, ByteView data) {
  if (key.size() != kAesCm128KeyLen) return fail(Errc::kInvalidArgument, "AES-CM-128: key must be 16 octets");
  if (iv.size() != 16) return fail(Errc::kInvalidArgument, "AES-CM-128: IV must be 16 octets");
  SecretBytes s = aes_cm_128_secret(key, iv, data);
  return Bytes(s.view().begin(), s.view().end());
}

Result<Bytes> kemac_iv(ByteView salt_key, std::uint32_t csb_id, std::uint64_t t) {
  if (salt_key.size() != kSaltKeyLen) return fail(Errc::kInvalidArgument, "KEMAC IV: salt key must be 14 octets");
  ByteWriter w(16);
  w.u16(0).u32(csb_id).u64(t).u16(0);
  Bytes iv = w.take();
  for (std::size_t i = 0; i < kSaltKeyLen; ++i) iv[i] ^= salt_key[i];
  return iv;
}

}  // namespace prose::mikey

#include "prose/util/secret.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "prose/util/ct.h"
#include "prose/util/hex.h"

namespace prose {

void secure_wipe(void* p, std::size_t n) {
  if (p != nullptr && n != 0) OPENSSL_cleanse(p, n);
}

SecretBytes SecretBytes::adopt(Bytes& v) {
  SecretBytes s(ByteView(v.data(), v.size()));
  secure_wipe(v.data(), v.size());
  v.clear();
  return s;
}

Result<SecretBytes> SecretBytes::from_hex(std::string_view hex, std::string_view what) {
  PROSE_TRY(Bytes b, prose::from_hex(hex, what));
  return adopt(b);
}

Result<SecretBytes> SecretBytes::from_hex_exact(std::string_view hex, std::size_t n, std::string_view what) {
  // from_hex, then the length check on the wiped holder: a key of the wrong length is wiped too.
  auto b = prose::from_hex(hex, what);
  if (!b.ok()) return b.error();
  SecretBytes key = adopt(b.value());
  if (key.size() != n) {
    return fail(Errc::kInvalidArgument, std::string(what) + ": expected " + std::to_string(n) + " octets (" +
                                            std::to_string(2 * n) + " hex digits), got " + std::to_string(key.size()));
  }
  return key;
}

SecretBytes::SecretBytes(SecretBytes&& o) noexcept : buf_(std::move(o.buf_)) { o.buf_.clear(); }

SecretBytes& SecretBytes::operator=(SecretBytes&& o) noexcept {
  if (this != &o) {
    wipe();
    buf_ = std::move(o.buf_);
    o.buf_.clear();
  }
  return *this;
}

SecretBytes SecretBytes::last(std::size_t n) const {
  if (n >= buf_.size()) return clone();
  return SecretBytes(view().subspan(buf_.size() - n));
}

std::string SecretBytes::reveal_hex() const { return to_hex(view()); }

std::string SecretBytes::fingerprint() const {
  std::uint8_t md[SHA256_DIGEST_LENGTH];
  SHA256(buf_.data(), buf_.size(), md);
  std::string fp = to_hex(ByteView(md, 4));
  secure_wipe(md, sizeof md);
  return fp;
}

void SecretBytes::wipe() {
  secure_wipe(buf_.data(), buf_.capacity() > 0 ? buf_.size() : 0);
  buf_.clear();
}

bool operator==(const SecretBytes& a, const SecretBytes& b) { return ct_equal(a.view(), b.view()); }

}  // namespace prose

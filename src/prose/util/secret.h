// SecretBytes: key material. Wiped on destruction and on move-from, never printable, copied only on purpose.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose {

void secure_wipe(void* p, std::size_t n);

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t n) : buf_(n, 0) {}
  explicit SecretBytes(ByteView v) : buf_(v.begin(), v.end()) {}
  // Takes ownership and wipes the source vector.
  static SecretBytes adopt(Bytes& v);
  static Result<SecretBytes> from_hex(std::string_view hex, std::string_view what = "key");
  static Result<SecretBytes> from_hex_exact(std::string_view hex, std::size_t n, std::string_view what = "key");

  ~SecretBytes() { wipe(); }
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& o) noexcept;
  SecretBytes& operator=(SecretBytes&& o) noexcept;

  SecretBytes clone() const { return SecretBytes(view()); }

  ByteView view() const { return ByteView(buf_.data(), buf_.size()); }
  MutableByteView mutable_view() { return MutableByteView(buf_.data(), buf_.size()); }
  const std::uint8_t* data() const { return buf_.data(); }
  std::uint8_t* data() { return buf_.data(); }
  std::size_t size() const { return buf_.size(); }
  bool empty() const { return buf_.empty(); }
  // Last n octets (e.g. the 128 LSBs of a 256-bit KDF output).
  SecretBytes last(std::size_t n) const;

  // Deliberately explicit: the caller asks for the hex of a secret (CLI --show-key, test vectors).
  std::string reveal_hex() const;
  // A short, non-reversible identifier for logs: first 8 hex digits of SHA-256(key).
  std::string fingerprint() const;

  void wipe();

  friend bool operator==(const SecretBytes& a, const SecretBytes& b);  // constant time

 private:
  Bytes buf_;
};

}  // namespace prose

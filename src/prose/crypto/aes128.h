// AES-128 single-block encryption (ECB, no padding) on OpenSSL EVP, with one cipher context created per key and
// reused for every block (what Milenage needs: up to 7 block encryptions per call).
#pragma once

#include <cstdint>
#include <memory>

#include "prose/util/bytes.h"
#include "prose/util/result.h"

struct evp_cipher_ctx_st;

namespace prose::crypto {

inline constexpr std::size_t kAesBlockSize = 16;

class Aes128 {
 public:
  // Fails (kInvalidArgument) unless the key is 16 octets.
  static Result<Aes128> create(ByteView key);

  // out = E_K(in), 16 octets each. `in` and `out` may alias. Not thread-safe: the context is shared.
  void encrypt_block(const std::uint8_t* in, std::uint8_t* out) const;

 private:
  struct Free {
    void operator()(evp_cipher_ctx_st* ctx) const;
  };
  explicit Aes128(evp_cipher_ctx_st* ctx) : ctx_(ctx) {}
  std::unique_ptr<evp_cipher_ctx_st, Free> ctx_;
};

}  // namespace prose::crypto

// Internal helpers shared by the cipher backends (not part of the contract).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "prose/cipher/eps_algorithms.h"

namespace prose::cipher::detail {

inline std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}
inline std::uint64_t load_be64(const std::uint8_t* p) { return (std::uint64_t{load_be32(p)} << 32) | load_be32(p + 4); }
inline void store_be32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

inline std::size_t bytes_for_bits(std::size_t bits) { return (bits + 7) / 8; }

// Zeroes the bits of the last octet beyond `length_bits` (out holds bytes_for_bits(length_bits) octets).
inline void mask_tail(std::uint8_t* out, std::size_t length_bits) {
  const unsigned r = static_cast<unsigned>(length_bits % 8);
  if (r != 0) out[length_bits / 8] &= static_cast<std::uint8_t>(0xFF00u >> r);
}

// XORs `n` bytes of `in` with big-endian keystream words `ks` into `out` (in may equal out).
inline void xor_keystream(const std::uint8_t* in, std::uint8_t* out, std::size_t n, const std::uint32_t* ks) {
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) store_be32(out + i, load_be32(in + i) ^ ks[i / 4]);
  if (i < n) {
    std::uint8_t tmp[4];
    store_be32(tmp, ks[i / 4]);
    for (std::size_t j = 0; i + j < n; ++j) out[i + j] = static_cast<std::uint8_t>(in[i + j] ^ tmp[j]);
  }
}

// Argument checks common to every backend. Returns an error Status, or ok.
Status check_eea(ByteView key, const EpsParams& p, ByteView in, std::size_t length_bits, MutableByteView out);
Status check_eia(ByteView key, const EpsParams& p, ByteView msg, std::size_t length_bits);
Status check_key(ByteView key, std::string_view what = "key");
Status check_length(std::size_t data_octets, std::size_t length_bits);

// Wipes a buffer in a way the compiler cannot drop.
void wipe(void* p, std::size_t n);

}  // namespace prose::cipher::detail

// 128-EEA2 (AES-128-CTR) and 128-EIA2 (AES-128-CMAC, bit-exact) on OpenSSL (TS 33.401 B.1.3 / B.2.3).
// Per-thread OpenSSL contexts; the key schedule is reused while the key stays the same.
#pragma once

#include <cstddef>
#include <cstdint>

#include "prose/util/result.h"

namespace prose::cipher::aes {

Status eea2(const std::uint8_t key[16], std::uint32_t count, std::uint32_t bearer, std::uint32_t direction,
            const std::uint8_t* in, std::uint8_t* out, std::size_t length_bits);
// CMAC over COUNT||BEARER||DIRECTION||0^26||MESSAGE with BLENGTH = length_bits + 64 (padding starts right after the
// last message bit); returns the first 32 bits.
Result<std::uint32_t> eia2(const std::uint8_t key[16], std::uint32_t count, std::uint32_t bearer,
                           std::uint32_t direction, const std::uint8_t* msg, std::size_t length_bits);

}  // namespace prose::cipher::aes

// Portable SNOW 3G (ETSI/SAGE "Specification of the 3GPP Confidentiality and Integrity Algorithms UEA2 & UIA2,
// Document 2: SNOW 3G Specification") and the f8 / f9 constructions (Document 1: UEA2 and UIA2).
// Word-at-a-time: LFSR and FSM on 32-bit words, S1/S2 as four 256-entry tables each, MULalpha/DIValpha tables.
#pragma once

#include <cstddef>
#include <cstdint>

namespace prose::cipher::snow3g {

class Generator {
 public:
  // k[0..3], iv[0..3] exactly as Initialize(k, IV) in the SNOW 3G specification (section 4.1).
  Generator(const std::uint32_t k[4], const std::uint32_t iv[4]);
  ~Generator();
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  // Next n keystream words z1, z2, ...
  void keystream(std::uint32_t* out, std::size_t n);

 private:
  std::uint32_t step();  // one keystream-mode clock; returns z
  void rebase();
  static constexpr std::size_t kWindow = 32;
  std::uint32_t s_[16 + kWindow];  // s_[pos_ + i] = LFSR s_i
  std::size_t pos_ = 0;
  std::uint32_t r1_ = 0, r2_ = 0, r3_ = 0;
};

// UEA2 f8 / 128-EEA1: key 16 octets; ciphers ceil(length_bits/8) octets of in into out (may alias), and zeroes
// the bits of the last octet beyond length_bits.
void f8(const std::uint8_t key[16], std::uint32_t count, std::uint32_t bearer, std::uint32_t direction,
        const std::uint8_t* in, std::uint8_t* out, std::size_t length_bits);
// UIA2 f9 (128-EIA1 with fresh = bearer << 27). The table method depends on the number of complete 64-bit
// blocks: fewer than kF9Horner3Blocks: a 16-entry (4-bit) table of P, one block per step; fewer than
// kF9Horner4Blocks: 256-entry (8-bit) tables of P, P^2, P^3, three blocks per step; else tables of P..P^4, four
// blocks per step. All give the same MAC (tests/unit/cipher/f9_paths_test.cpp).
inline constexpr std::size_t kF9Horner3Blocks = 20;
inline constexpr std::size_t kF9Horner4Blocks = 300;
std::uint32_t f9(const std::uint8_t key[16], std::uint32_t count, std::uint32_t fresh, std::uint32_t direction,
                 const std::uint8_t* msg, std::size_t length_bits);

}  // namespace prose::cipher::snow3g

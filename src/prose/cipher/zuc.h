// Portable ZUC (ETSI/SAGE "Specification of the 3GPP Confidentiality and Integrity Algorithms 128-EEA3 &
// 128-EIA3, Document 2: ZUC Specification" v1.6) and the 128-EEA3 / 128-EIA3 constructions (Document 1).
// Word-at-a-time: LFSR over GF(2^31-1) with 64-bit accumulation, F on 32-bit words, byte S-boxes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace prose::cipher::zuc {

class Generator {
 public:
  Generator(const std::uint8_t key[16], const std::uint8_t iv[16]);
  ~Generator();
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;
  void keystream(std::uint32_t* out, std::size_t n);

 private:
  std::uint32_t step();
  void rebase();
  static constexpr std::size_t kWindow = 32;
  std::uint32_t s_[16 + kWindow];
  std::size_t pos_ = 0;
  std::uint32_t r1_ = 0, r2_ = 0;
};

void eea3(const std::uint8_t key[16], std::uint32_t count, std::uint32_t bearer, std::uint32_t direction,
          const std::uint8_t* in, std::uint8_t* out, std::size_t length_bits);
std::uint32_t eia3(const std::uint8_t key[16], std::uint32_t count, std::uint32_t bearer, std::uint32_t direction,
                   const std::uint8_t* msg, std::size_t length_bits);

}  // namespace prose::cipher::zuc

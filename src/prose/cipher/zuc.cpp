// Portable ZUC, 128-EEA3 and 128-EIA3. Constants: ZUC specification v1.6 section 3 (S-boxes S0/S1, the 15-bit
// key-loading constants d0..d15, LFSR feedback 2^15, 2^17, 2^21, 2^20, 1+2^8 over GF(2^31-1), L1/L2 rotations);
// IV construction: 128-EEA3/128-EIA3 specification sections 3.3 / 4.3.
#include "prose/cipher/zuc.h"

#include <cstring>

#include "prose/cipher/detail.h"

namespace prose::cipher::zuc {
namespace {

constexpr std::uint8_t kS0[256] = {
    0x3e, 0x72, 0x5b, 0x47, 0xca, 0xe0, 0x00, 0x33, 0x04, 0xd1, 0x54, 0x98, 0x09, 0xb9, 0x6d, 0xcb, 0x7b, 0x1b, 0xf9,
    0x32, 0xaf, 0x9d, 0x6a, 0xa5, 0xb8, 0x2d, 0xfc, 0x1d, 0x08, 0x53, 0x03, 0x90, 0x4d, 0x4e, 0x84, 0x99, 0xe4, 0xce,
    0xd9, 0x91, 0xdd, 0xb6, 0x85, 0x48, 0x8b, 0x29, 0x6e, 0xac, 0xcd, 0xc1, 0xf8, 0x1e, 0x73, 0x43, 0x69, 0xc6, 0xb5,
    0xbd, 0xfd, 0x39, 0x63, 0x20, 0xd4, 0x38, 0x76, 0x7d, 0xb2, 0xa7, 0xcf, 0xed, 0x57, 0xc5, 0xf3, 0x2c, 0xbb, 0x14,
    0x21, 0x06, 0x55, 0x9b, 0xe3, 0xef, 0x5e, 0x31, 0x4f, 0x7f, 0x5a, 0xa4, 0x0d, 0x82, 0x51, 0x49, 0x5f, 0xba, 0x58,
    0x1c, 0x4a, 0x16, 0xd5, 0x17, 0xa8, 0x92, 0x24, 0x1f, 0x8c, 0xff, 0xd8, 0xae, 0x2e, 0x01, 0xd3, 0xad, 0x3b, 0x4b,
    0xda, 0x46, 0xeb, 0xc9, 0xde, 0x9a, 0x8f, 0x87, 0xd7, 0x3a, 0x80, 0x6f, 0x2f, 0xc8, 0xb1, 0xb4, 0x37, 0xf7, 0x0a,
    0x22, 0x13, 0x28, 0x7c, 0xcc, 0x3c, 0x89, 0xc7, 0xc3, 0x96, 0x56, 0x07, 0xbf, 0x7e, 0xf0, 0x0b, 0x2b, 0x97, 0x52,
    0x35, 0x41, 0x79, 0x61, 0xa6, 0x4c, 0x10, 0xfe, 0xbc, 0x26, 0x95, 0x88, 0x8a, 0xb0, 0xa3, 0xfb, 0xc0, 0x18, 0x94,
    0xf2, 0xe1, 0xe5, 0xe9, 0x5d, 0xd0, 0xdc, 0x11, 0x66, 0x64, 0x5c, 0xec, 0x59, 0x42, 0x75, 0x12, 0xf5, 0x74, 0x9c,
    0xaa, 0x23, 0x0e, 0x86, 0xab, 0xbe, 0x2a, 0x02, 0xe7, 0x67, 0xe6, 0x44, 0xa2, 0x6c, 0xc2, 0x93, 0x9f, 0xf1, 0xf6,
    0xfa, 0x36, 0xd2, 0x50, 0x68, 0x9e, 0x62, 0x71, 0x15, 0x3d, 0xd6, 0x40, 0xc4, 0xe2, 0x0f, 0x8e, 0x83, 0x77, 0x6b,
    0x25, 0x05, 0x3f, 0x0c, 0x30, 0xea, 0x70, 0xb7, 0xa1, 0xe8, 0xa9, 0x65, 0x8d, 0x27, 0x1a, 0xdb, 0x81, 0xb3, 0xa0,
    0xf4, 0x45, 0x7a, 0x19, 0xdf, 0xee, 0x78, 0x34, 0x60};

constexpr std::uint8_t kS1[256] = {
    0x55, 0xc2, 0x63, 0x71, 0x3b, 0xc8, 0x47, 0x86, 0x9f, 0x3c, 0xda, 0x5b, 0x29, 0xaa, 0xfd, 0x77, 0x8c, 0xc5, 0x94,
    0x0c, 0xa6, 0x1a, 0x13, 0x00, 0xe3, 0xa8, 0x16, 0x72, 0x40, 0xf9, 0xf8, 0x42, 0x44, 0x26, 0x68, 0x96, 0x81, 0xd9,
    0x45, 0x3e, 0x10, 0x76, 0xc6, 0xa7, 0x8b, 0x39, 0x43, 0xe1, 0x3a, 0xb5, 0x56, 0x2a, 0xc0, 0x6d, 0xb3, 0x05, 0x22,
    0x66, 0xbf, 0xdc, 0x0b, 0xfa, 0x62, 0x48, 0xdd, 0x20, 0x11, 0x06, 0x36, 0xc9, 0xc1, 0xcf, 0xf6, 0x27, 0x52, 0xbb,
    0x69, 0xf5, 0xd4, 0x87, 0x7f, 0x84, 0x4c, 0xd2, 0x9c, 0x57, 0xa4, 0xbc, 0x4f, 0x9a, 0xdf, 0xfe, 0xd6, 0x8d, 0x7a,
    0xeb, 0x2b, 0x53, 0xd8, 0x5c, 0xa1, 0x14, 0x17, 0xfb, 0x23, 0xd5, 0x7d, 0x30, 0x67, 0x73, 0x08, 0x09, 0xee, 0xb7,
    0x70, 0x3f, 0x61, 0xb2, 0x19, 0x8e, 0x4e, 0xe5, 0x4b, 0x93, 0x8f, 0x5d, 0xdb, 0xa9, 0xad, 0xf1, 0xae, 0x2e, 0xcb,
    0x0d, 0xfc, 0xf4, 0x2d, 0x46, 0x6e, 0x1d, 0x97, 0xe8, 0xd1, 0xe9, 0x4d, 0x37, 0xa5, 0x75, 0x5e, 0x83, 0x9e, 0xab,
    0x82, 0x9d, 0xb9, 0x1c, 0xe0, 0xcd, 0x49, 0x89, 0x01, 0xb6, 0xbd, 0x58, 0x24, 0xa2, 0x5f, 0x38, 0x78, 0x99, 0x15,
    0x90, 0x50, 0xb8, 0x95, 0xe4, 0xd0, 0x91, 0xc7, 0xce, 0xed, 0x0f, 0xb4, 0x6f, 0xa0, 0xcc, 0xf0, 0x02, 0x4a, 0x79,
    0xc3, 0xde, 0xa3, 0xef, 0xea, 0x51, 0xe6, 0x6b, 0x18, 0xec, 0x1b, 0x2c, 0x80, 0xf7, 0x74, 0xe7, 0xff, 0x21, 0x5a,
    0x6a, 0x54, 0x1e, 0x41, 0x31, 0x92, 0x35, 0xc4, 0x33, 0x07, 0x0a, 0xba, 0x7e, 0x0e, 0x34, 0x88, 0xb1, 0x98, 0x7c,
    0xf3, 0x3d, 0x60, 0x6c, 0x7b, 0xca, 0xd3, 0x1f, 0x32, 0x65, 0x04, 0x28, 0x64, 0xbe, 0x85, 0x9b, 0x2f, 0x59, 0x8a,
    0xd7, 0xb0, 0x25, 0xac, 0xaf, 0x12, 0x03, 0xe2, 0xf2};

constexpr std::uint32_t kD[16] = {0x44D7, 0x26BC, 0x626B, 0x135E, 0x5789, 0x35E2, 0x7135, 0x09AF,
                                  0x4D78, 0x2F13, 0x6BC4, 0x1AF1, 0x5E26, 0x3C4D, 0x789A, 0x47AC};

constexpr std::uint32_t kP = 0x7FFFFFFF;  // 2^31 - 1

inline std::uint32_t rotl(std::uint32_t x, unsigned n) { return (x << n) | (x >> (32 - n)); }
inline std::uint32_t l1(std::uint32_t x) { return x ^ rotl(x, 2) ^ rotl(x, 10) ^ rotl(x, 18) ^ rotl(x, 24); }
inline std::uint32_t l2(std::uint32_t x) { return x ^ rotl(x, 8) ^ rotl(x, 14) ^ rotl(x, 22) ^ rotl(x, 30); }
inline std::uint32_t sbox(std::uint32_t x) {
  return (std::uint32_t{kS0[x >> 24]} << 24) | (std::uint32_t{kS1[(x >> 16) & 0xFF]} << 16) |
         (std::uint32_t{kS0[(x >> 8) & 0xFF]} << 8) | std::uint32_t{kS1[x & 0xFF]};
}

// s16 = 2^15 s15 + 2^17 s13 + 2^21 s10 + 2^20 s4 + (1 + 2^8) s0 (+ u) mod (2^31 - 1), never 0 (spec 3.2).
inline std::uint32_t lfsr_next(const std::uint32_t* s, std::uint64_t u) {
  std::uint64_t v = (std::uint64_t{s[15]} << 15) + (std::uint64_t{s[13]} << 17) + (std::uint64_t{s[10]} << 21) +
                    (std::uint64_t{s[4]} << 20) + (std::uint64_t{s[0]} << 8) + s[0] + u;
  v = (v & kP) + (v >> 31);
  v = (v & kP) + (v >> 31);
  return static_cast<std::uint32_t>(v);
}

}  // namespace

Generator::Generator(const std::uint8_t key[16], const std::uint8_t iv[16]) {
  for (int i = 0; i < 16; ++i) s_[i] = (std::uint32_t{key[i]} << 23) | (kD[i] << 8) | iv[i];
  for (std::size_t i = 0; i < 32; ++i) {
    const std::uint32_t* s = s_ + i;
    const std::uint32_t x0 = ((s[15] & 0x7FFF8000u) << 1) | (s[14] & 0xFFFFu);
    const std::uint32_t x1 = ((s[11] & 0xFFFFu) << 16) | (s[9] >> 15);
    const std::uint32_t x2 = ((s[7] & 0xFFFFu) << 16) | (s[5] >> 15);
    const std::uint32_t w = (x0 ^ r1_) + r2_;
    const std::uint32_t w1 = r1_ + x1;
    const std::uint32_t w2 = r2_ ^ x2;
    r1_ = sbox(l1((w1 << 16) | (w2 >> 16)));
    r2_ = sbox(l2((w2 << 16) | (w1 >> 16)));
    s_[i + 16] = lfsr_next(s, w >> 1);
  }
  pos_ = 32;
  rebase();
  // Working stage, first step: F output discarded (spec 3.6.2).
  (void)step();
}

Generator::~Generator() {
  detail::wipe(s_, sizeof s_);
  detail::wipe(&r1_, sizeof r1_);
  detail::wipe(&r2_, sizeof r2_);
}

void Generator::rebase() {
  std::memmove(s_, s_ + pos_, 16 * sizeof(std::uint32_t));
  pos_ = 0;
}

inline std::uint32_t Generator::step() {
  const std::uint32_t* s = s_ + pos_;
  const std::uint32_t x0 = ((s[15] & 0x7FFF8000u) << 1) | (s[14] & 0xFFFFu);
  const std::uint32_t x1 = ((s[11] & 0xFFFFu) << 16) | (s[9] >> 15);
  const std::uint32_t x2 = ((s[7] & 0xFFFFu) << 16) | (s[5] >> 15);
  const std::uint32_t x3 = ((s[2] & 0xFFFFu) << 16) | (s[0] >> 15);
  const std::uint32_t w = (x0 ^ r1_) + r2_;
  const std::uint32_t w1 = r1_ + x1;
  const std::uint32_t w2 = r2_ ^ x2;
  r1_ = sbox(l1((w1 << 16) | (w2 >> 16)));
  r2_ = sbox(l2((w2 << 16) | (w1 >> 16)));
  s_[pos_ + 16] = lfsr_next(s, 0);
  if (++pos_ == kWindow) rebase();
  return w ^ x3;
}

void Generator::keystream(std::uint32_t* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = step();
}

namespace {

void eea3_iv(std::uint32_t count, std::uint32_t bearer, std::uint32_t direction, std::uint8_t iv[16]) {
  detail::store_be32(iv, count);
  iv[4] = static_cast<std::uint8_t>(((bearer & 0x1F) << 3) | ((direction & 1) << 2));
  iv[5] = iv[6] = iv[7] = 0;
  std::memcpy(iv + 8, iv, 8);
}

// Low 64 bits of the carry-less product x * y, with integer multiplications on operands spread 4 bits apart
// (the technique of BearSSL's ghash_ctmul64): branch-free, no per-bit loop.
inline std::uint64_t clmul_lo(std::uint64_t x, std::uint64_t y) {
  constexpr std::uint64_t m0 = 0x1111111111111111ull, m1 = 0x2222222222222222ull, m2 = 0x4444444444444444ull,
                          m3 = 0x8888888888888888ull;
  const std::uint64_t x0 = x & m0, x1 = x & m1, x2 = x & m2, x3 = x & m3;
  const std::uint64_t y0 = y & m0, y1 = y & m1, y2 = y & m2, y3 = y & m3;
  std::uint64_t z0 = (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
  std::uint64_t z1 = (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
  std::uint64_t z2 = (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
  std::uint64_t z3 = (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);
  return (z0 & m0) | (z1 & m1) | (z2 & m2) | (z3 & m3);
}

inline std::uint32_t rev32(std::uint32_t x) {
  x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
  x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
  x = ((x >> 4) & 0x0F0F0F0Fu) | ((x & 0x0F0F0F0Fu) << 4);
  x = ((x >> 8) & 0x00FF00FFu) | ((x & 0x00FF00FFu) << 8);
  return (x >> 16) | (x << 16);
}

// XOR over the set bits j (MSB first) of message word m of the 32-bit keystream windows starting j bits into the
// 64-bit window w: equals bits 32..63 of clmul(bit-reverse(m), w).
inline std::uint32_t eia3_word(std::uint32_t m, std::uint64_t w) {
  return static_cast<std::uint32_t>(clmul_lo(rev32(m), w) >> 32);
}

}  // namespace

void eea3(const std::uint8_t key[16], std::uint32_t count, std::uint32_t bearer, std::uint32_t direction,
          const std::uint8_t* in, std::uint8_t* out, std::size_t length_bits) {
  std::uint8_t iv[16];
  eea3_iv(count, bearer, direction, iv);
  Generator g(key, iv);
  const std::size_t n = detail::bytes_for_bits(length_bits);
  std::uint32_t ks[64];
  for (std::size_t off = 0; off < n; off += sizeof ks) {
    const std::size_t chunk = n - off < sizeof ks ? n - off : sizeof ks;
    g.keystream(ks, (chunk + 3) / 4);
    detail::xor_keystream(in + off, out + off, chunk, ks);
  }
  if (n) detail::mask_tail(out, length_bits);
  detail::wipe(ks, sizeof ks);
}

std::uint32_t eia3(const std::uint8_t key[16], std::uint32_t count, std::uint32_t bearer, std::uint32_t direction,
                   const std::uint8_t* msg, std::size_t length_bits) {
  std::uint8_t iv[16];
  detail::store_be32(iv, count);
  iv[4] = static_cast<std::uint8_t>((bearer & 0x1F) << 3);
  iv[5] = iv[6] = iv[7] = 0;
  iv[8] = static_cast<std::uint8_t>(iv[0] ^ ((direction & 1) << 7));
  iv[9] = iv[1];
  iv[10] = iv[2];
  iv[11] = iv[3];
  iv[12] = iv[4];
  iv[13] = 0;
  iv[14] = static_cast<std::uint8_t>((direction & 1) << 7);
  iv[15] = 0;
  Generator g(key, iv);
  // L = ceil((LENGTH + 64) / 32) keystream words z[0..L-1]; message word q uses the window z[q] || z[q+1].
  const std::size_t full_words = length_bits / 32;
  constexpr std::size_t kChunk = 64;
  std::uint32_t ks[kChunk];
  std::uint32_t t = 0;
  std::uint32_t cur = 0;  // z[q]
  g.keystream(&cur, 1);
  for (std::size_t q = 0; q < full_words;) {
    const std::size_t todo = (full_words - q) < kChunk ? (full_words - q) : kChunk;
    g.keystream(ks, todo);  // ks[i] = z[q + 1 + i]
    const std::uint8_t* m = msg + 4 * q;
    for (std::size_t i = 0; i < todo; ++i) {
      t ^= eia3_word(detail::load_be32(m + 4 * i), (std::uint64_t{cur} << 32) | ks[i]);
      cur = ks[i];
    }
    q += todo;
  }
  std::uint32_t nxt = 0;  // z[full_words + 1]
  g.keystream(&nxt, 1);
  const unsigned rem = static_cast<unsigned>(length_bits % 32);
  const std::uint64_t w = (std::uint64_t{cur} << 32) | nxt;
  if (rem != 0) {
    std::uint8_t last[4] = {};
    std::memcpy(last, msg + 4 * full_words, detail::bytes_for_bits(rem));
    const std::uint32_t m = detail::load_be32(last) & (0xFFFFFFFFu << (32 - rem));
    t ^= eia3_word(m, w);
  }
  // T ^= z_LENGTH (the 32-bit window starting at bit LENGTH), then MAC = T ^ z[L-1].
  t ^= static_cast<std::uint32_t>((w << rem) >> 32);
  std::uint32_t last_word = nxt;             // L - 1 = full_words + 1 when rem == 0
  if (rem != 0) g.keystream(&last_word, 1);  // else L - 1 = full_words + 2
  const std::uint32_t mac = t ^ last_word;
  detail::wipe(ks, sizeof ks);
  return mac;
}

}  // namespace prose::cipher::zuc

// Portable SNOW 3G, UEA2 f8 and UIA2 f9. Source of every constant: ETSI/SAGE SNOW 3G specification v1.1
// (SR = the Rijndael S-box, SQ = the S-box built from the Dickson polynomial, section 2.3/2.4; MULx
// polynomials 0x1B / 0x69 / 0xA9; MULalpha/DIValpha exponents 23,245,48,239 / 16,39,6,64, section 3.4).
#include "prose/cipher/snow3g.h"

#include <array>
#include <cstring>
#include <utility>

#include "prose/cipher/detail.h"

namespace prose::cipher::snow3g {
namespace {

using detail::load_be32;
using detail::load_be64;

// SNOW 3G spec 2.3: S-box SR (the Rijndael S-box).
constexpr std::uint8_t kSR[256] = {
    0x63, 0x7C, 0x77, 0x7B, 0xF2, 0x6B, 0x6F, 0xC5, 0x30, 0x01, 0x67, 0x2B, 0xFE, 0xD7, 0xAB, 0x76, 0xCA, 0x82, 0xC9,
    0x7D, 0xFA, 0x59, 0x47, 0xF0, 0xAD, 0xD4, 0xA2, 0xAF, 0x9C, 0xA4, 0x72, 0xC0, 0xB7, 0xFD, 0x93, 0x26, 0x36, 0x3F,
    0xF7, 0xCC, 0x34, 0xA5, 0xE5, 0xF1, 0x71, 0xD8, 0x31, 0x15, 0x04, 0xC7, 0x23, 0xC3, 0x18, 0x96, 0x05, 0x9A, 0x07,
    0x12, 0x80, 0xE2, 0xEB, 0x27, 0xB2, 0x75, 0x09, 0x83, 0x2C, 0x1A, 0x1B, 0x6E, 0x5A, 0xA0, 0x52, 0x3B, 0xD6, 0xB3,
    0x29, 0xE3, 0x2F, 0x84, 0x53, 0xD1, 0x00, 0xED, 0x20, 0xFC, 0xB1, 0x5B, 0x6A, 0xCB, 0xBE, 0x39, 0x4A, 0x4C, 0x58,
    0xCF, 0xD0, 0xEF, 0xAA, 0xFB, 0x43, 0x4D, 0x33, 0x85, 0x45, 0xF9, 0x02, 0x7F, 0x50, 0x3C, 0x9F, 0xA8, 0x51, 0xA3,
    0x40, 0x8F, 0x92, 0x9D, 0x38, 0xF5, 0xBC, 0xB6, 0xDA, 0x21, 0x10, 0xFF, 0xF3, 0xD2, 0xCD, 0x0C, 0x13, 0xEC, 0x5F,
    0x97, 0x44, 0x17, 0xC4, 0xA7, 0x7E, 0x3D, 0x64, 0x5D, 0x19, 0x73, 0x60, 0x81, 0x4F, 0xDC, 0x22, 0x2A, 0x90, 0x88,
    0x46, 0xEE, 0xB8, 0x14, 0xDE, 0x5E, 0x0B, 0xDB, 0xE0, 0x32, 0x3A, 0x0A, 0x49, 0x06, 0x24, 0x5C, 0xC2, 0xD3, 0xAC,
    0x62, 0x91, 0x95, 0xE4, 0x79, 0xE7, 0xC8, 0x37, 0x6D, 0x8D, 0xD5, 0x4E, 0xA9, 0x6C, 0x56, 0xF4, 0xEA, 0x65, 0x7A,
    0xAE, 0x08, 0xBA, 0x78, 0x25, 0x2E, 0x1C, 0xA6, 0xB4, 0xC6, 0xE8, 0xDD, 0x74, 0x1F, 0x4B, 0xBD, 0x8B, 0x8A, 0x70,
    0x3E, 0xB5, 0x66, 0x48, 0x03, 0xF6, 0x0E, 0x61, 0x35, 0x57, 0xB9, 0x86, 0xC1, 0x1D, 0x9E, 0xE1, 0xF8, 0x98, 0x11,
    0x69, 0xD9, 0x8E, 0x94, 0x9B, 0x1E, 0x87, 0xE9, 0xCE, 0x55, 0x28, 0xDF, 0x8C, 0xA1, 0x89, 0x0D, 0xBF, 0xE6, 0x42,
    0x68, 0x41, 0x99, 0x2D, 0x0F, 0xB0, 0x54, 0xBB, 0x16};

// SNOW 3G spec 2.4: S-box SQ.
constexpr std::uint8_t kSQ[256] = {
    0x25, 0x24, 0x73, 0x67, 0xD7, 0xAE, 0x5C, 0x30, 0xA4, 0xEE, 0x6E, 0xCB, 0x7D, 0xB5, 0x82, 0xDB, 0xE4, 0x8E, 0x48,
    0x49, 0x4F, 0x5D, 0x6A, 0x78, 0x70, 0x88, 0xE8, 0x5F, 0x5E, 0x84, 0x65, 0xE2, 0xD8, 0xE9, 0xCC, 0xED, 0x40, 0x2F,
    0x11, 0x28, 0x57, 0xD2, 0xAC, 0xE3, 0x4A, 0x15, 0x1B, 0xB9, 0xB2, 0x80, 0x85, 0xA6, 0x2E, 0x02, 0x47, 0x29, 0x07,
    0x4B, 0x0E, 0xC1, 0x51, 0xAA, 0x89, 0xD4, 0xCA, 0x01, 0x46, 0xB3, 0xEF, 0xDD, 0x44, 0x7B, 0xC2, 0x7F, 0xBE, 0xC3,
    0x9F, 0x20, 0x4C, 0x64, 0x83, 0xA2, 0x68, 0x42, 0x13, 0xB4, 0x41, 0xCD, 0xBA, 0xC6, 0xBB, 0x6D, 0x4D, 0x71, 0x21,
    0xF4, 0x8D, 0xB0, 0xE5, 0x93, 0xFE, 0x8F, 0xE6, 0xCF, 0x43, 0x45, 0x31, 0x22, 0x37, 0x36, 0x96, 0xFA, 0xBC, 0x0F,
    0x08, 0x52, 0x1D, 0x55, 0x1A, 0xC5, 0x4E, 0x23, 0x69, 0x7A, 0x92, 0xFF, 0x5B, 0x5A, 0xEB, 0x9A, 0x1C, 0xA9, 0xD1,
    0x7E, 0x0D, 0xFC, 0x50, 0x8A, 0xB6, 0x62, 0xF5, 0x0A, 0xF8, 0xDC, 0x03, 0x3C, 0x0C, 0x39, 0xF1, 0xB8, 0xF3, 0x3D,
    0xF2, 0xD5, 0x97, 0x66, 0x81, 0x32, 0xA0, 0x00, 0x06, 0xCE, 0xF6, 0xEA, 0xB7, 0x17, 0xF7, 0x8C, 0x79, 0xD6, 0xA7,
    0xBF, 0x8B, 0x3F, 0x1F, 0x53, 0x63, 0x75, 0x35, 0x2C, 0x60, 0xFD, 0x27, 0xD3, 0x94, 0xA5, 0x7C, 0xA1, 0x05, 0x58,
    0x2D, 0xBD, 0xD9, 0xC7, 0xAF, 0x6B, 0x54, 0x0B, 0xE0, 0x38, 0x04, 0xC8, 0x9D, 0xE7, 0x14, 0xB1, 0x87, 0x9C, 0xDF,
    0x6F, 0xF9, 0xDA, 0x2A, 0xC4, 0x59, 0x16, 0x74, 0x91, 0xAB, 0x26, 0x61, 0x76, 0x34, 0x2B, 0xAD, 0x99, 0xFB, 0x72,
    0xEC, 0x33, 0x12, 0xDE, 0x98, 0x3B, 0xC0, 0x9B, 0x3E, 0x18, 0x10, 0x3A, 0x56, 0xE1, 0x77, 0xC9, 0x1E, 0x9E, 0x95,
    0xA3, 0x90, 0x19, 0xA8, 0x6C, 0x09, 0xD0, 0xF0, 0x86};

constexpr std::uint8_t mulx(std::uint8_t v, std::uint8_t c) {
  return static_cast<std::uint8_t>((v & 0x80) ? ((v << 1) ^ c) : (v << 1));
}
constexpr std::uint8_t mulx_pow(std::uint8_t v, unsigned i, std::uint8_t c) {
  for (; i > 0; --i) v = mulx(v, c);
  return v;
}

// S1 / S2 as T-tables: S(w) = T0[w0] ^ T1[w1] ^ T2[w2] ^ T3[w3] (spec 3.3.1 / 3.3.2: the MixColumn-like matrix
// [2 1 1 3; 3 2 1 1; 1 3 2 1; 1 1 3 2] applied to SR / SQ of the input bytes).
struct SboxTables {
  std::uint32_t t[4][256];
};
constexpr SboxTables make_sbox(const std::uint8_t (&box)[256], std::uint8_t poly) {
  SboxTables r{};
  for (unsigned x = 0; x < 256; ++x) {
    const std::uint32_t s = box[x];
    const std::uint32_t s2 = mulx(box[x], poly);
    const std::uint32_t s3 = s2 ^ s;
    r.t[0][x] = (s2 << 24) | (s3 << 16) | (s << 8) | s;
    r.t[1][x] = (s << 24) | (s2 << 16) | (s3 << 8) | s;
    r.t[2][x] = (s << 24) | (s << 16) | (s2 << 8) | s3;
    r.t[3][x] = (s3 << 24) | (s << 16) | (s << 8) | s2;
  }
  return r;
}
constexpr SboxTables kS1 = make_sbox(kSR, 0x1B);
constexpr SboxTables kS2 = make_sbox(kSQ, 0x69);

// MULalpha / DIValpha (spec 3.4.2 / 3.4.3). MULxPOW is linear in its byte argument, so each table entry is the
// XOR of the images of its set bits.
constexpr std::array<std::uint32_t, 256> make_alpha(unsigned e0, unsigned e1, unsigned e2, unsigned e3) {
  std::uint32_t basis[8] = {};
  for (unsigned b = 0; b < 8; ++b) {
    const auto v = static_cast<std::uint8_t>(1u << b);
    basis[b] = (std::uint32_t{mulx_pow(v, e0, 0xA9)} << 24) | (std::uint32_t{mulx_pow(v, e1, 0xA9)} << 16) |
               (std::uint32_t{mulx_pow(v, e2, 0xA9)} << 8) | std::uint32_t{mulx_pow(v, e3, 0xA9)};
  }
  std::array<std::uint32_t, 256> t{};
  for (unsigned c = 0; c < 256; ++c)
    for (unsigned b = 0; b < 8; ++b)
      if (c & (1u << b)) t[c] ^= basis[b];
  return t;
}
constexpr std::array<std::uint32_t, 256> kMulAlpha = make_alpha(23, 245, 48, 239);
constexpr std::array<std::uint32_t, 256> kDivAlpha = make_alpha(16, 39, 6, 64);

inline std::uint32_t s1(std::uint32_t w) {
  return kS1.t[0][w >> 24] ^ kS1.t[1][(w >> 16) & 0xFF] ^ kS1.t[2][(w >> 8) & 0xFF] ^ kS1.t[3][w & 0xFF];
}
inline std::uint32_t s2(std::uint32_t w) {
  return kS2.t[0][w >> 24] ^ kS2.t[1][(w >> 16) & 0xFF] ^ kS2.t[2][(w >> 8) & 0xFF] ^ kS2.t[3][w & 0xFF];
}

// LFSR feedback in keystream mode over s = &s_0 (spec 3.4.5).
inline std::uint32_t lfsr_feedback(const std::uint32_t* s) {
  return (s[0] << 8) ^ kMulAlpha[s[0] >> 24] ^ s[2] ^ (s[11] >> 8) ^ kDivAlpha[s[11] & 0xFF];
}

}  // namespace

Generator::Generator(const std::uint32_t k[4], const std::uint32_t iv[4]) {
  std::uint32_t* s = s_;
  s[15] = k[3] ^ iv[0];
  s[14] = k[2];
  s[13] = k[1];
  s[12] = k[0] ^ iv[1];
  s[11] = k[3] ^ 0xFFFFFFFFu;
  s[10] = k[2] ^ 0xFFFFFFFFu ^ iv[2];
  s[9] = k[1] ^ 0xFFFFFFFFu ^ iv[3];
  s[8] = k[0] ^ 0xFFFFFFFFu;
  s[7] = k[3];
  s[6] = k[2];
  s[5] = k[1];
  s[4] = k[0];
  s[3] = k[3] ^ 0xFFFFFFFFu;
  s[2] = k[2] ^ 0xFFFFFFFFu;
  s[1] = k[1] ^ 0xFFFFFFFFu;
  s[0] = k[0] ^ 0xFFFFFFFFu;
  // Initialisation mode: 32 clocks with the FSM output fed back (spec 4.1). s_[0..47] holds 32 clocks exactly.
  for (std::size_t i = 0; i < 32; ++i) {
    const std::uint32_t* w = s_ + i;
    const std::uint32_t f = (w[15] + r1_) ^ r2_;
    const std::uint32_t r = r2_ + (r3_ ^ w[5]);
    r3_ = s2(r2_);
    r2_ = s1(r1_);
    r1_ = r;
    s_[i + 16] = lfsr_feedback(w) ^ f;
  }
  pos_ = 32;
  rebase();
  // Keystream mode, first clock: FSM output discarded (spec 4.2).
  (void)step();
}

Generator::~Generator() {
  detail::wipe(s_, sizeof s_);
  detail::wipe(&r1_, sizeof r1_);
  detail::wipe(&r2_, sizeof r2_);
  detail::wipe(&r3_, sizeof r3_);
}

void Generator::rebase() {
  std::memmove(s_, s_ + pos_, 16 * sizeof(std::uint32_t));
  pos_ = 0;
}

inline std::uint32_t Generator::step() {
  const std::uint32_t* w = s_ + pos_;
  const std::uint32_t f = (w[15] + r1_) ^ r2_;
  const std::uint32_t r = r2_ + (r3_ ^ w[5]);
  r3_ = s2(r2_);
  r2_ = s1(r1_);
  r1_ = r;
  const std::uint32_t z = f ^ w[0];
  s_[pos_ + 16] = lfsr_feedback(w);
  if (++pos_ == kWindow) rebase();
  return z;
}

void Generator::keystream(std::uint32_t* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = step();
}

void f8(const std::uint8_t key[16], std::uint32_t count, std::uint32_t bearer, std::uint32_t direction,
        const std::uint8_t* in, std::uint8_t* out, std::size_t length_bits) {
  const std::uint32_t k[4] = {load_be32(key + 12), load_be32(key + 8), load_be32(key + 4), load_be32(key)};
  const std::uint32_t iv2 = (bearer << 27) | ((direction & 1u) << 26);
  const std::uint32_t iv[4] = {iv2, count, iv2, count};
  Generator g(k, iv);
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

namespace {

// GF(2^64) with x^64 + x^4 + x^3 + x + 1 (UIA2 spec: MUL64 with c = 0x1B), table-driven without a serial
// reduction chain: a table holds d(x) * P mod g for every W-bit digit d, a product V * P is the XOR of the 64/W
// looked-up entries shifted by their digit position into a 128-bit (hi, lo) value, and that is reduced once:
// hi(x) * x^64 = hi(x) * (x^4 + x^3 + x + 1) mod g. hi < 2^60 for every digit width used (the largest shift is
// 64 - W >= 4 bits short of 128), so hi * (x^4+x^3+x+1) fits in 64 bits and one fold is enough.
// Tables of multiples of P are secret (P is keystream): wiped through a volatile pointer to memset, which the
// compiler cannot drop and which runs at memset speed (OPENSSL_cleanse was a third of the f9 time at 1500 octets).
void* (*const volatile wipe_memset)(void*, int, std::size_t) = std::memset;
inline void wipe_table(void* p, std::size_t n) { (void)wipe_memset(p, 0, n); }

inline std::uint64_t reduce128(std::uint64_t hi, std::uint64_t lo) {
  return lo ^ hi ^ (hi << 1) ^ (hi << 3) ^ (hi << 4);
}

// Table of d(x) * P for all W-bit digits d (W = 4: 16 entries for short messages and Q; W = 8: 256 entries).
template <unsigned W>
struct MulTable {
  static_assert(W == 4 || W == 8);
  static constexpr unsigned kSize = 1u << W;
  static constexpr std::uint64_t kMask = kSize - 1;
  static constexpr unsigned kDigits = 64 / W;
  std::uint64_t t[kSize];
  explicit MulTable(std::uint64_t p) {
    // W = 4: t[d] = d * P by doubling. W = 8: 4-bit tables lo[d] = d * P and hi[d] = d * P x^4 by doubling, then
    // t[16h + l] = hi[h] ^ lo[l]: fixed 16-entry inner loops without aliasing, which the compilers vectorise.
    if constexpr (W == 4) {
      std::uint64_t basis = p;
      build16(t, basis);
    } else {
      std::uint64_t lo[16], hi[16];
      std::uint64_t basis = p;
      build16(lo, basis);
      build16(hi, basis);
      for (unsigned h = 0; h < 16; ++h) {
        const std::uint64_t a = hi[h];
        std::uint64_t* row = t + 16 * h;
        for (unsigned l = 0; l < 16; ++l) row[l] = a ^ lo[l];
      }
      wipe_table(lo, sizeof lo);
      wipe_table(hi, sizeof hi);
    }
  }
  // out[d] = d * basis for the 16 4-bit d; leaves basis multiplied by x^4.
  static void build16(std::uint64_t out[16], std::uint64_t& basis) {
    out[0] = 0;
    for (unsigned hb = 0; hb < 4; ++hb) {
      const unsigned base = 1u << hb;
      for (unsigned j = 0; j < base; ++j) out[base + j] = out[j] ^ basis;
      basis = (basis << 1) ^ ((basis >> 63) ? 0x1Bu : 0u);
    }
  }
  ~MulTable() { wipe_table(t, sizeof t); }
  MulTable(const MulTable&) = delete;
  MulTable& operator=(const MulTable&) = delete;

  template <std::size_t... I>
  std::uint64_t mul_impl(std::uint64_t v, std::index_sequence<I...>) const {
    // Digit 0 has no high part; digits I+1 contribute (entry << W(I+1)) to lo and (entry >> 64-W(I+1)) to hi.
    std::uint64_t lo = t[v & kMask], hi = 0;
    ((lo ^= t[(v >> (W * (I + 1))) & kMask] << (W * (I + 1)),
      hi ^= t[(v >> (W * (I + 1))) & kMask] >> (64 - W * (I + 1))),
     ...);
    return reduce128(hi, lo);
  }
  // v(x) * P mod g.
  std::uint64_t mul(std::uint64_t v) const { return mul_impl(v, std::make_index_sequence<kDigits - 1>{}); }
};

// N blocks per step (Horner by N) with 8-bit tables pn[k] of P^(k+1):
//   EVAL' = (EVAL ^ M0) P^N ^ M1 P^(N-1) ^ ... ^ M(N-1) P.
// The N products share one 128-bit accumulation and one reduction; for each digit position the N entries are
// XORed first (M1..M(N-1) digits are read straight from the big-endian message octets). Only (EVAL ^ M0) is on
// the serial path, through 8 independent loads, a XOR tree and the reduction.
template <std::size_t N>
struct HornerN {
  const MulTable<8>* pn[N];

  template <std::size_t D>
  std::uint64_t digit(std::uint64_t v0, const std::uint8_t* m) const {
    // Digit D (bits 8D..8D+7) of a big-endian block is its octet 7 - D.
    std::uint64_t s = pn[N - 1]->t[(v0 >> (8 * D)) & 0xFF];
    for (std::size_t k = 1; k < N; ++k) s ^= pn[N - 1 - k]->t[m[8 * k + 7 - D]];
    return s;
  }
  template <std::size_t... I>
  std::uint64_t step_impl(std::uint64_t eval, const std::uint8_t* m, std::index_sequence<I...>) const {
    const std::uint64_t v0 = eval ^ load_be64(m);
    std::uint64_t lo = digit<0>(v0, m), hi = 0;
    ((lo ^= digit<I + 1>(v0, m) << (8 * (I + 1)), hi ^= digit<I + 1>(v0, m) >> (64 - 8 * (I + 1))), ...);
    return reduce128(hi, lo);
  }
  std::uint64_t step(std::uint64_t eval, const std::uint8_t* m) const {
    return step_impl(eval, m, std::make_index_sequence<7>{});
  }
};

// EVAL over the complete 64-bit blocks and the partial last block with multiplier table t.
template <class Table>
std::uint64_t eval_blocks(const Table& t, std::uint64_t eval, const std::uint8_t* msg, std::size_t from,
                          std::size_t length_bits) {
  const std::size_t full = length_bits / 64;
  for (std::size_t i = from; i < full; ++i) eval = t.mul(eval ^ load_be64(msg + 8 * i));
  const unsigned rem = static_cast<unsigned>(length_bits % 64);
  if (rem != 0) {
    std::uint8_t last[8] = {};
    std::memcpy(last, msg + 8 * full, detail::bytes_for_bits(rem));
    const std::uint64_t m = load_be64(last) & (~std::uint64_t{0} << (64 - rem));
    eval = t.mul(eval ^ m);
  }
  return eval;
}

}  // namespace

std::uint32_t f9(const std::uint8_t key[16], std::uint32_t count, std::uint32_t fresh, std::uint32_t direction,
                 const std::uint8_t* msg, std::size_t length_bits) {
  const std::uint32_t k[4] = {load_be32(key + 12), load_be32(key + 8), load_be32(key + 4), load_be32(key)};
  const std::uint32_t d = direction & 1u;
  const std::uint32_t iv[4] = {fresh ^ (d << 15), count ^ (d << 31), fresh, count};
  std::uint32_t z[5];
  {
    Generator g(k, iv);
    g.keystream(z, 5);
  }
  const std::uint64_t pv = (std::uint64_t{z[0]} << 32) | z[1];
  std::uint64_t eval = 0;
  const std::size_t full = length_bits / 64;
  if (full < kF9Horner3Blocks) {
    // Short message: a 16-entry table of P is cheaper to build than it costs in the few extra lookups.
    const MulTable<4> p(pv);
    eval = eval_blocks(p, eval, msg, 0, length_bits);
  } else if (full < kF9Horner4Blocks) {
    const MulTable<8> p(pv);
    const std::uint64_t p2v = p.mul(pv);
    const MulTable<8> p2(p2v), p3(p.mul(p2v));
    const HornerN<3> h{{&p, &p2, &p3}};
    std::size_t i = 0;
    for (; i + 3 <= full; i += 3) eval = h.step(eval, msg + 8 * i);
    eval = eval_blocks(p, eval, msg, i, length_bits);
  } else {
    const MulTable<8> p(pv);
    const std::uint64_t p2v = p.mul(pv), p3v = p.mul(p2v), p4v = p.mul(p3v);
    const MulTable<8> p2(p2v), p3(p3v), p4(p4v);
    const HornerN<4> h{{&p, &p2, &p3, &p4}};
    std::size_t i = 0;
    for (; i + 4 <= full; i += 4) eval = h.step(eval, msg + 8 * i);
    eval = eval_blocks(p, eval, msg, i, length_bits);
  }
  eval ^= static_cast<std::uint64_t>(length_bits);
  {
    // One multiplication by Q: a 16-entry table.
    const MulTable<4> q((std::uint64_t{z[2]} << 32) | z[3]);
    eval = q.mul(eval);
  }
  const std::uint32_t mac = static_cast<std::uint32_t>(eval >> 32) ^ z[4];
  detail::wipe(z, sizeof z);
  return mac;
}

}  // namespace prose::cipher::snow3g

// The portable f9 (UIA2 / 128-EIA1) picks its GF(2^64) table method by message length (snow3g.h:
// kF9Horner3Blocks, kF9Horner4Blocks). Every path, and every boundary between them, must give the MAC of the
// UIA2 specification's bit-by-bit MUL64 (ETSI/SAGE UEA2 & UIA2 Document 1, section 4.3-4.4) and of ipsec-mb.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "prose/cipher/eps_algorithms.h"
#include "prose/cipher/snow3g.h"

namespace prose::cipher {
namespace {

// UIA2 spec 4.3: MUL64x, MUL64xPOW, MUL64 with c = 0x1B, one bit at a time.
std::uint64_t mul64x(std::uint64_t v) { return (v >> 63) ? (v << 1) ^ 0x1Bu : v << 1; }
std::uint64_t mul64(std::uint64_t v, std::uint64_t p) {
  std::uint64_t r = 0;
  for (int i = 0; i < 64; ++i) {
    if ((p >> i) & 1u) r ^= v;
    v = mul64x(v);
  }
  return r;
}

// UIA2 spec 4.4, straight from the text: D = ceil(LENGTH/64) + 1 blocks, the last one is LENGTH.
std::uint32_t reference_f9(const std::uint8_t key[16], std::uint32_t count, std::uint32_t fresh, std::uint32_t dir,
                           const std::vector<std::uint8_t>& msg, std::size_t length_bits) {
  auto be32 = [](const std::uint8_t* b) {
    return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
  };
  const std::uint32_t k[4] = {be32(key + 12), be32(key + 8), be32(key + 4), be32(key)};
  const std::uint32_t iv[4] = {fresh ^ (dir << 15), count ^ (dir << 31), fresh, count};
  std::uint32_t z[5];
  snow3g::Generator g(k, iv);
  g.keystream(z, 5);
  const std::uint64_t p = (std::uint64_t{z[0]} << 32) | z[1];
  const std::uint64_t q = (std::uint64_t{z[2]} << 32) | z[3];
  const std::size_t d = (length_bits + 63) / 64 + 1;
  std::uint64_t eval = 0;
  for (std::size_t i = 0; i + 1 < d; ++i) {
    std::uint64_t m = 0;
    for (std::size_t b = 0; b < 64; ++b) {
      const std::size_t bit = 64 * i + b;
      const unsigned v = bit < length_bits ? (msg[bit / 8] >> (7 - bit % 8)) & 1u : 0u;
      m = (m << 1) | v;
    }
    eval = mul64(eval ^ m, p);
  }
  eval ^= static_cast<std::uint64_t>(length_bits);
  eval = mul64(eval, q);
  return static_cast<std::uint32_t>(eval >> 32) ^ z[4];
}

TEST(F9Paths, EveryTableMethodAndBoundaryMatchesSpecAndIpsecMb) {
  std::mt19937_64 rng(33401);
  std::vector<std::size_t> lengths = {0, 1, 63, 64, 65};
  for (std::size_t blocks : {snow3g::kF9Horner3Blocks, snow3g::kF9Horner4Blocks}) {
    for (std::size_t b = blocks - 3; b <= blocks + 5; ++b)
      for (std::size_t extra : {0, 1, 7, 8, 33, 63}) lengths.push_back(64 * b + extra);
  }
  lengths.push_back(64 * snow3g::kF9Horner4Blocks * 3 + 17);  // many Horner-by-4 steps and a partial block
  for (int i = 0; i < 40; ++i) lengths.push_back(1 + rng() % (64 * (snow3g::kF9Horner4Blocks + 64)));

  auto ipsec = ipsec_mb_backend();
  for (std::size_t len : lengths) {
    SCOPED_TRACE(len);
    std::uint8_t key[16];
    for (auto& b : key) b = static_cast<std::uint8_t>(rng());
    std::vector<std::uint8_t> msg((len + 7) / 8 + 1);
    for (auto& b : msg) b = static_cast<std::uint8_t>(rng());
    const auto count = static_cast<std::uint32_t>(rng());
    const auto bearer = static_cast<std::uint32_t>(rng() % 32);
    const auto dir = static_cast<std::uint32_t>(rng() & 1u);
    const std::uint32_t want = reference_f9(key, count, bearer << 27, dir, msg, len);
    EXPECT_EQ(snow3g::f9(key, count, bearer << 27, dir, msg.data(), len), want);
    const EpsParams p{count, static_cast<std::uint8_t>(bearer), static_cast<std::uint8_t>(dir)};
    const ByteView k(key, 16);
    auto mac = portable_backend().eia(Eia::kEia1, k, p, ByteView(msg.data(), msg.size()), len);
    ASSERT_TRUE(mac.ok());
    EXPECT_EQ(*mac, want);
    if (ipsec.ok()) {
      auto mac2 = (*ipsec)->eia(Eia::kEia1, k, p, ByteView(msg.data(), msg.size()), len);
      ASSERT_TRUE(mac2.ok());
      EXPECT_EQ(*mac2, want);
    }
  }
}

}  // namespace
}  // namespace prose::cipher

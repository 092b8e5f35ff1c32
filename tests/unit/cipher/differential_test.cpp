// Differential tests: the portable and ipsec-mb backends must agree bit for bit on random inputs, and our bit-exact
// CMAC must agree with OpenSSL's own CMAC wherever the latter applies (whole octets).
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <random>
#include <string>

#include "prose/cipher/eps_algorithms.h"
#include "prose/util/hex.h"

namespace prose::cipher {
namespace {

Backend& ipsec() {
  auto b = ipsec_mb_backend();
  EXPECT_TRUE(b.ok());
  return b.ok() ? **b : portable_backend();
}

std::size_t random_length(std::mt19937_64& rng) {
  const auto r = rng() % 100;
  if (r < 70) return 1 + rng() % 512;
  if (r < 90) return 513 + rng() % 3488;
  return 4001 + rng() % 8000;  // up to 12000 bits
}

std::uint32_t random_count(std::mt19937_64& rng, int i) {
  switch (i % 7) {
    case 0:
      return 0;
    case 1:
      return 0xFFFFFFFFu;
    default:
      return static_cast<std::uint32_t>(rng());
  }
}

TEST(Differential, RandomInputsBothBackendsAgree) {
  Backend& a = portable_backend();
  Backend& b = ipsec();
  std::mt19937_64 rng(20261128);
  constexpr int kCases = 3000;
  for (int i = 0; i < kCases; ++i) {
    const auto alg = static_cast<unsigned>(1 + i % 3);
    const std::size_t length = random_length(rng);
    Bytes key(16), msg((length + 7) / 8 + rng() % 3);
    for (auto& x : key) x = static_cast<std::uint8_t>(rng());
    for (auto& x : msg) x = static_cast<std::uint8_t>(rng());
    const EpsParams p{random_count(rng, i), static_cast<std::uint8_t>((i / 3) % 32),
                      static_cast<std::uint8_t>((i / 96) % 2)};
    SCOPED_TRACE("case " + std::to_string(i) + " alg " + std::to_string(alg) + " length " + std::to_string(length) +
                 " count " + std::to_string(p.count) + " bearer " + std::to_string(p.bearer) + " dir " +
                 std::to_string(p.direction) + " key " + to_hex(key));
    Bytes out_a(msg.size(), 0x11), out_b(msg.size(), 0x11);
    ASSERT_TRUE(a.eea(static_cast<Eea>(alg), key, p, msg, length, out_a).ok());
    ASSERT_TRUE(b.eea(static_cast<Eea>(alg), key, p, msg, length, out_b).ok());
    ASSERT_EQ(to_hex(out_a), to_hex(out_b));
    auto mac_a = a.eia(static_cast<Eia>(alg), key, p, msg, length);
    auto mac_b = b.eia(static_cast<Eia>(alg), key, p, msg, length);
    ASSERT_TRUE(mac_a.ok() && mac_b.ok());
    ASSERT_EQ(*mac_a, *mac_b);
  }
}

// Every length from 0 to 300 bits (all tail alignments, single/multi-block CMAC, f9 and EIA3 word edges).
TEST(Differential, EveryShortLength) {
  Backend& a = portable_backend();
  Backend& b = ipsec();
  std::mt19937_64 rng(7);
  for (std::size_t length = 0; length <= 300; ++length) {
    for (unsigned alg = 1; alg <= 3; ++alg) {
      Bytes key(16), msg((length + 7) / 8);
      for (auto& x : key) x = static_cast<std::uint8_t>(rng());
      for (auto& x : msg) x = static_cast<std::uint8_t>(rng());
      const EpsParams p{static_cast<std::uint32_t>(rng()), static_cast<std::uint8_t>(length % 32),
                        static_cast<std::uint8_t>(length % 2)};
      SCOPED_TRACE("alg " + std::to_string(alg) + " length " + std::to_string(length));
      Bytes out_a(msg.size()), out_b(msg.size());
      ASSERT_TRUE(a.eea(static_cast<Eea>(alg), key, p, msg, length, out_a).ok());
      ASSERT_TRUE(b.eea(static_cast<Eea>(alg), key, p, msg, length, out_b).ok());
      ASSERT_EQ(to_hex(out_a), to_hex(out_b));
      auto mac_a = a.eia(static_cast<Eia>(alg), key, p, msg, length);
      auto mac_b = b.eia(static_cast<Eia>(alg), key, p, msg, length);
      ASSERT_TRUE(mac_a.ok() && mac_b.ok());
      ASSERT_EQ(*mac_a, *mac_b);
    }
  }
}

// Around the ipsec-mb 1.3 input limits (ZUC EEA3 8188 octets, ZUC EIA3 65504 bits; longer inputs fall back to the
// portable code) and long SNOW 3G inputs: both backends still agree.
TEST(Differential, LongInputsAndIpsecMbLimits) {
  Backend& a = portable_backend();
  Backend& b = ipsec();
  std::mt19937_64 rng(4242);
  const std::size_t lengths[] = {65496, 65503, 65504, 65505, 65512, 8188 * 8 + 1, 8189 * 8, 9000 * 8, 100000 * 8 + 3};
  for (std::size_t length : lengths) {
    for (unsigned alg = 1; alg <= 3; ++alg) {
      Bytes key(16), msg((length + 7) / 8);
      for (auto& x : key) x = static_cast<std::uint8_t>(rng());
      for (auto& x : msg) x = static_cast<std::uint8_t>(rng());
      const EpsParams p{static_cast<std::uint32_t>(rng()), 17, 1};
      SCOPED_TRACE("alg " + std::to_string(alg) + " length " + std::to_string(length));
      Bytes out_a(msg.size()), out_b(msg.size());
      ASSERT_TRUE(a.eea(static_cast<Eea>(alg), key, p, msg, length, out_a).ok());
      auto sb = b.eea(static_cast<Eea>(alg), key, p, msg, length, out_b);
      ASSERT_TRUE(sb.ok()) << sb.error().to_string();
      ASSERT_TRUE(out_a == out_b);
      auto mac_a = a.eia(static_cast<Eia>(alg), key, p, msg, length);
      auto mac_b = b.eia(static_cast<Eia>(alg), key, p, msg, length);
      ASSERT_TRUE(mac_a.ok() && mac_b.ok());
      ASSERT_EQ(*mac_a, *mac_b);
    }
  }
}

// Independent oracle for 128-EIA2 on whole octets: OpenSSL EVP_MAC "CMAC" over COUNT||BEARER||DIR||0^26||MSG.
std::uint32_t openssl_cmac_eia2(const Bytes& key, const EpsParams& p, const Bytes& msg) {
  Bytes m(8, 0);
  m[0] = static_cast<std::uint8_t>(p.count >> 24);
  m[1] = static_cast<std::uint8_t>(p.count >> 16);
  m[2] = static_cast<std::uint8_t>(p.count >> 8);
  m[3] = static_cast<std::uint8_t>(p.count);
  m[4] = static_cast<std::uint8_t>((p.bearer << 3) | (p.direction << 2));
  m.insert(m.end(), msg.begin(), msg.end());
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "CMAC", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  char cipher[] = "AES-128-CBC";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0), OSSL_PARAM_END};
  std::uint8_t tag[16];
  std::size_t tag_len = 0;
  EXPECT_EQ(EVP_MAC_init(ctx, key.data(), key.size(), params), 1);
  EXPECT_EQ(EVP_MAC_update(ctx, m.data(), m.size()), 1);
  EXPECT_EQ(EVP_MAC_final(ctx, tag, &tag_len, sizeof tag), 1);
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  return (std::uint32_t{tag[0]} << 24) | (std::uint32_t{tag[1]} << 16) | (std::uint32_t{tag[2]} << 8) | tag[3];
}

TEST(Differential, Eia2MatchesOpenSslCmacOnWholeOctets) {
  std::mt19937_64 rng(99);
  for (std::size_t octets = 0; octets <= 100; ++octets) {
    Bytes key(16), msg(octets);
    for (auto& x : key) x = static_cast<std::uint8_t>(rng());
    for (auto& x : msg) x = static_cast<std::uint8_t>(rng());
    const EpsParams p{static_cast<std::uint32_t>(rng()), static_cast<std::uint8_t>(octets % 32),
                      static_cast<std::uint8_t>(octets % 2)};
    auto ours = portable_backend().eia(Eia::kEia2, key, p, msg, octets * 8);
    ASSERT_TRUE(ours.ok());
    EXPECT_EQ(*ours, openssl_cmac_eia2(key, p, msg)) << "octets " << octets;
  }
}

// Same key on many calls (the cached key schedule) and key changes interleaved.
TEST(Differential, KeyCacheFollowsKeyChanges) {
  const Bytes k1(16, 0x01), k2(16, 0x02), msg(64, 0x33);
  for (Backend* b : {&portable_backend(), &ipsec()}) {
    auto m1 = b->eia(Eia::kEia2, k1, EpsParams{}, msg, 512);
    auto m2 = b->eia(Eia::kEia2, k2, EpsParams{}, msg, 512);
    auto m1b = b->eia(Eia::kEia2, k1, EpsParams{}, msg, 512);
    ASSERT_TRUE(m1.ok() && m2.ok() && m1b.ok());
    EXPECT_NE(*m1, *m2);
    EXPECT_EQ(*m1, *m1b);
    Bytes c1(64), c2(64), c1b(64);
    ASSERT_TRUE(b->eea(Eea::kEea2, k1, EpsParams{}, msg, 512, c1).ok());
    ASSERT_TRUE(b->eea(Eea::kEea2, k2, EpsParams{}, msg, 512, c2).ok());
    ASSERT_TRUE(b->eea(Eea::kEea2, k1, EpsParams{}, msg, 512, c1b).ok());
    EXPECT_NE(c1, c2);
    EXPECT_EQ(c1, c1b);
  }
}

}  // namespace
}  // namespace prose::cipher

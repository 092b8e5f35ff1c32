// Checks the code against our published KD / KD-sess / PEK / PIK vectors (tests/data/keys/prose-key-vectors.md).
// The expectation is computed a second way, independently of prose::crypto::kdf: raw HMAC-SHA-256 (OpenSSL's
// one-shot HMAC()) over an S string built here by hand from the FC and parameters.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "prose/keys/prose_keys.h"
#include "prose/util/hex.h"

namespace prose::keys {
namespace {

using Vector = std::map<std::string, std::string>;

std::vector<Vector> load_vectors() {
  std::ifstream in(std::string(PROSE_SOURCE_DIR) + "/tests/data/keys/prose-key-vectors.md");
  EXPECT_TRUE(in.good());
  std::vector<Vector> out;
  std::regex header("^## Vector .*");
  std::regex line("^([A-Z0-9_]+) *= ([0-9a-f]+)$");
  std::string l;
  std::smatch m;
  while (std::getline(in, l)) {
    if (std::regex_match(l, header))
      out.emplace_back();
    else if (!out.empty() && std::regex_match(l, m, line))
      out.back()[m[1]] = m[2];
  }
  return out;
}

// S = FC || P0 || L0 || P1 || L1 ... built octet by octet.
Bytes hand_s(std::uint8_t fc, const std::vector<Bytes>& params) {
  Bytes s{fc};
  for (const auto& p : params) {
    s.insert(s.end(), p.begin(), p.end());
    s.push_back(static_cast<std::uint8_t>(p.size() >> 8));
    s.push_back(static_cast<std::uint8_t>(p.size() & 0xff));
  }
  return s;
}

std::string raw_hmac(const Bytes& key, const Bytes& s) {
  unsigned char md[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), s.data(), s.size(), md, &len);
  return to_hex(ByteView(md, len));
}

TEST(PublishedVectors, FileHasTwoCompleteVectors) {
  auto vs = load_vectors();
  ASSERT_EQ(vs.size(), 2u);
  for (const auto& v : vs) {
    for (const char* k : {"PRUK", "KD_FRESHNESS", "KD", "NONCE_1", "NONCE_2", "KD_SESS", "PEK_ALG2", "PIK_ALG3"}) {
      EXPECT_EQ(v.count(k), 1u) << k;
    }
  }
}

TEST(PublishedVectors, KdKdSessPekPik) {
  for (const auto& v : load_vectors()) {
    const Bytes pruk = hex_literal(v.at("PRUK")), fresh = hex_literal(v.at("KD_FRESHNESS"));
    const Bytes n1 = hex_literal(v.at("NONCE_1")), n2 = hex_literal(v.at("NONCE_2"));

    // KD (A.7), provisional FC 0x4F.
    Bytes s_kd = hand_s(0x4f, {fresh});
    EXPECT_EQ(to_hex(s_kd), v.at("S_KD"));
    EXPECT_EQ(raw_hmac(pruk, s_kd), v.at("KD"));
    auto kd = derive_kd(pruk, fresh);
    ASSERT_TRUE(kd.ok());
    EXPECT_EQ(kd->reveal_hex(), v.at("KD"));

    // KD-sess (6.5), provisional FC 0x4E.
    Bytes s_ks = hand_s(0x4e, {n1, n2});
    EXPECT_EQ(to_hex(s_ks), v.at("S_KD_SESS"));
    EXPECT_EQ(raw_hmac(hex_literal(v.at("KD")), s_ks), v.at("KD_SESS"));
    auto kd_sess = derive_kd_sess(kd->view(), n1, n2);
    ASSERT_TRUE(kd_sess.ok());
    EXPECT_EQ(kd_sess->reveal_hex(), v.at("KD_SESS"));

    // PEK / PIK (A.4), provisional FC 0x4B, 128 LSBs.
    for (std::uint8_t alg = 0; alg <= 3; ++alg) {
      const std::string a = std::to_string(alg);
      for (std::uint8_t type : {0, 1}) {
        const std::string name = (type == 0 ? "PEK_ALG" : "PIK_ALG") + a;
        Bytes s = hand_s(0x4b, {Bytes{type}, Bytes{alg}});
        EXPECT_EQ(to_hex(s), v.at("S_" + name));
        EXPECT_EQ(raw_hmac(hex_literal(v.at("KD_SESS")), s).substr(32), v.at(name));
        auto k = type == 0 ? derive_pek(kd_sess->view(), alg) : derive_pik(kd_sess->view(), alg);
        ASSERT_TRUE(k.ok());
        EXPECT_EQ(k->reveal_hex(), v.at(name)) << name;
      }
    }
  }
}

}  // namespace
}  // namespace prose::keys

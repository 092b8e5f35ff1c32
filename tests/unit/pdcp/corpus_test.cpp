// The fuzz seed corpus fuzz/corpus/pdcp_unprotect/: for each configuration octet (see fuzz/pdcp_unprotect.cpp) a
// sequence of genuine PDUs from a TX entity with the fuzz target's keys, plus a replay. This test checks the
// committed files; run with PROSE_REGEN_CORPUS=1 to (re)write them.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "prose/pdcp/entity.h"
#include "prose/util/byte_writer.h"
#include "prose/util/hex.h"

namespace prose::pdcp {
namespace {

Bytes make_seed(std::uint8_t c) {
  const SecretBytes pek(hex_literal("000102030405060708090a0b0c0d0e0f"));
  const SecretBytes pik(hex_literal("f0e0d0c0b0a090807060504030201000"));
  EntityConfig cfg;
  cfg.kd_sess_id = ids::KdSessId{0x1234};
  cfg.direction = (c >> 6) & 1;
  cfg.eea = static_cast<cipher::Eea>(c & 3);
  cfg.eia = static_cast<cipher::Eia>((c >> 2) & 3);
  const unsigned m = (c >> 4) & 3;
  const ProtectionMode mode{m <= 1, m == 0 || m == 2};
  auto tx = *TxEntity::create(cipher::portable_backend(), cfg, pek, pik);
  ByteWriter w;
  w.u8(c);
  Bytes first;
  for (int n = 0; n < 3; ++n) {
    Bytes sdu(static_cast<std::size_t>(8 + n * 13), static_cast<std::uint8_t>(0x30 + n));
    Bytes pdu = *tx.protect(mode.integrity ? SduType::kPc5Signalling : SduType::kIp, sdu, mode);
    if (n == 0) first = pdu;
    w.u16(static_cast<std::uint16_t>(pdu.size())).bytes(pdu);
  }
  w.u16(static_cast<std::uint16_t>(first.size())).bytes(first);  // replay
  return w.take();
}

TEST(PdcpCorpus, SeedCorpusMatchesGenerator) {
  const std::filesystem::path dir = std::filesystem::path(PROSE_SOURCE_DIR) / "fuzz/corpus/pdcp_unprotect";
  const bool regen = std::getenv("PROSE_REGEN_CORPUS") != nullptr;
  // Every EEA/EIA pair with integrity+ciphering, plus integrity-only, ciphering-only and no protection, both
  // DIRECTIONs.
  std::vector<std::uint8_t> configs;
  for (std::uint8_t e = 0; e < 4; ++e) {
    for (std::uint8_t i = 0; i < 4; ++i) configs.push_back(static_cast<std::uint8_t>(e | (i << 2)));
  }
  configs.insert(configs.end(), {0x1a, 0x22, 0x30, 0x4a, 0x6f});
  for (std::uint8_t c : configs) {
    Bytes seed = make_seed(c);
    char name[32];
    std::snprintf(name, sizeof name, "cfg_%02x.bin", c);
    const auto path = dir / name;
    if (regen) {
      std::filesystem::create_directories(dir);
      std::ofstream(path, std::ios::binary)
          .write(reinterpret_cast<const char*>(seed.data()), static_cast<std::streamsize>(seed.size()));
    }
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in) << path << " missing: run unit_pdcp with PROSE_REGEN_CORPUS=1";
    Bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(file, seed) << path;
  }
}

}  // namespace
}  // namespace prose::pdcp

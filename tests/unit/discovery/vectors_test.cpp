// Pinned known-answer vectors (tests/data/discovery/vectors.txt, self-generated: 3GPP publishes none). Every vector
// must protect to the pinned PDU, open to the pinned message and MIC, and pass a Receiver at its own time.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "prose/discovery/protection.h"
#include "prose/util/hex.h"

namespace prose::discovery {
namespace {

using Block = std::map<std::string, std::string>;

std::vector<Block> load() {
  std::ifstream in(std::string(PROSE_SOURCE_DIR) + "/tests/data/discovery/vectors.txt");
  EXPECT_TRUE(in.good());
  std::vector<Block> out;
  Block cur;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '#') continue;
    if (line.empty()) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
      continue;
    }
    auto eq = line.find(" = ");
    if (eq == std::string::npos) {
      if (line.size() >= 2 && line.substr(line.size() - 2) == " =") cur[line.substr(0, line.size() - 2)] = "";
      continue;
    }
    cur[line.substr(0, eq)] = line.substr(eq + 3);
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::uint64_t hexnum(const std::string& s) { return std::stoull(s, nullptr, 16); }

TEST(Vectors, PinnedSelfGeneratedVectors) {
  auto blocks = load();
  ASSERT_EQ(blocks.size(), 6u);
  for (const Block& b : blocks) {
    SCOPED_TRACE(b.at("name"));
    auto k = derive_discovery_keys(hex_literal(b.at("psdk")));
    ASSERT_TRUE(k.ok());
    const std::string& combo = b.at("keys");
    if (combo.find("dusk") == std::string::npos) k->dusk = SecretBytes();
    if (combo.find("duck") == std::string::npos) k->duck = SecretBytes();
    k->encrypted_bits_mask = hex_literal(b.at("mask"));
    k->eea = static_cast<cipher::Eea>(std::stoi(b.at("eea")));
    DiscoveryMessage m;
    m.type = *type_from_name(b.at("type"));
    m.relay_service_code = static_cast<std::uint32_t>(hexnum(b.at("rsc")));
    m.user_info_id = hexnum(b.at("user_info"));
    m.l2_id = static_cast<std::uint32_t>(hexnum(b.at("l2_id")));
    m.status = m.type == MessageType::kSolicitation ? 0 : static_cast<std::uint8_t>(hexnum(b.at("status")));
    const auto counter = static_cast<std::uint32_t>(hexnum(b.at("counter")));

    auto pdu = protect(m, *k, counter);
    ASSERT_TRUE(pdu.ok());
    EXPECT_EQ(to_hex(*pdu), b.at("pdu"));

    auto opened = open(hex_literal(b.at("pdu")), *k, counter);
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    EXPECT_EQ(opened->message, m);
    EXPECT_EQ(opened->mic, static_cast<std::uint32_t>(hexnum(b.at("mic"))));

    Receiver rx;
    rx.set_keys(m.relay_service_code, k->clone());
    auto got = rx.accept(hex_literal(b.at("pdu")), static_cast<std::int64_t>(counter));
    ASSERT_TRUE(got.ok()) << got.error().to_string();
    EXPECT_EQ(*got, m);

    if (combo == "duik") {  // nothing hides the message: the PDU is the plain encoding with the MIC
      auto plain = decode_pdu(hex_literal(b.at("pdu")));
      ASSERT_TRUE(plain.ok());
      EXPECT_EQ(plain->message, m);
      EXPECT_EQ(plain->mic, opened->mic);
    }
  }
}

}  // namespace
}  // namespace prose::discovery

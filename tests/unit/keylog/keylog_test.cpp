#include "prose/keylog/keylog.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "prose/util/hex.h"

namespace prose::keylog {
namespace {

LinkKeys link() {
  LinkKeys k;
  k.remote_ue_l2 = ids::Layer2Id{0x00b001};
  k.relay_l2 = ids::Layer2Id{0x00aa01};
  k.kd_sess_id = ids::KdSessId{0x12ab};
  k.eea = 2;
  k.eia = 1;
  k.pek = SecretBytes(hex_literal("000102030405060708090a0b0c0d0e0f"));
  k.pik = SecretBytes(hex_literal("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"));
  return k;
}

DiscoveryKeys discovery(bool with_dusk) {
  DiscoveryKeys k;
  k.relay_service_code = ids::RelayServiceCode{0xabcd};
  k.eea = 2;
  k.duik = SecretBytes(hex_literal("1111111111111111111111111111111111111111111111111111111111111111"));
  if (with_dusk) k.dusk = SecretBytes(hex_literal("2222222222222222222222222222222222222222222222222222222222222222"));
  k.duck = SecretBytes(hex_literal("3333333333333333333333333333333333333333333333333333333333333333"));
  k.encrypted_bits_mask = hex_literal("ff00");
  return k;
}

TEST(KeyLog, LinkLineRoundTrips) {
  auto line = format(link());
  ASSERT_TRUE(line.ok()) << line.error().to_string();
  EXPECT_EQ(*line, "PC5_LINK 00b001 00aa01 12ab 2 1 000102030405060708090a0b0c0d0e0f f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  auto e = parse_line(*line);
  ASSERT_TRUE(e.ok()) << e.error().to_string();
  const auto& k = std::get<LinkKeys>(*e);
  EXPECT_EQ(k.remote_ue_l2, ids::Layer2Id{0x00b001u});
  EXPECT_EQ(k.relay_l2, ids::Layer2Id{0x00aa01u});
  EXPECT_EQ(k.kd_sess_id, ids::KdSessId{0x12ab});
  EXPECT_EQ(k.eea, 2);
  EXPECT_EQ(k.eia, 1);
  EXPECT_TRUE(k.pek == link().pek);
  EXPECT_TRUE(k.pik == link().pik);
}

TEST(KeyLog, DiscoveryLineRoundTripsWithAbsentKeys) {
  auto line = format(discovery(false));
  ASSERT_TRUE(line.ok());
  EXPECT_EQ(*line, "PC5_DISCOVERY 00abcd 2 " + std::string(64, '1') + " - " + std::string(64, '3') + " ff00");
  auto e = parse_line(*line);
  ASSERT_TRUE(e.ok()) << e.error().to_string();
  const auto& k = std::get<DiscoveryKeys>(*e);
  EXPECT_EQ(k.relay_service_code, ids::RelayServiceCode{0xabcdu});
  EXPECT_TRUE(k.dusk.empty());
  EXPECT_EQ(k.duck.size(), 32u);
  EXPECT_EQ(to_hex(k.encrypted_bits_mask), "ff00");
}

TEST(KeyLog, UppercaseHexAndTabsAreAccepted) {
  auto e = parse_line(
      "PC5_LINK\t00B001 00AA01 12AB 2 1 000102030405060708090A0B0C0D0E0F F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF\r");
  ASSERT_TRUE(e.ok()) << e.error().to_string();
  EXPECT_EQ(std::get<LinkKeys>(*e).kd_sess_id, ids::KdSessId{0x12ab});
}

TEST(KeyLog, CommentsAndEmptyLinesAreNothing) {
  EXPECT_TRUE(std::holds_alternative<std::monostate>(*parse_line("# a comment")));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(*parse_line("   ")));
}

TEST(KeyLog, BadLinesAreRefusedNamingTheField) {
  const std::string good = *format(link());
  struct Case {
    std::string line, field;
  };
  for (const auto& c : std::vector<Case>{
           {"PC5_LINK 00b001 00aa01 12ab 2 1 00", "7 fields"},
           {"PC5_LINK 1000000 00aa01 12ab 2 1 000102030405060708090a0b0c0d0e0f f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
            "remote UE L2 ID"},
           {"PC5_LINK 00b001 00aa01 0000 2 1 000102030405060708090a0b0c0d0e0f f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
            "KD-sess ID"},
           {"PC5_LINK 00b001 00aa01 12ab 4 1 000102030405060708090a0b0c0d0e0f f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", "EEA"},
           {"PC5_LINK 00b001 00aa01 12ab 2 1 0001 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", "PEK"},
           {"PC5_LINK 00b001 00aa01 12ab 2 1 000102030405060708090a0b0c0d0e0f -", "PIK"},
           {"PC5_DISCOVERY 00abcd 2 - - - -", "DUIK"},
           {"PC5_DISCOVERY 00abcd 2 " + std::string(64, '1') + " - - " + std::string(48, 'f'), "mask"},
           {"PC5_DISCOVERY 00abcd 2 11111111111111111111111111111111 - - -", "DUIK: 64 hex digits"},
           {"CLIENT_RANDOM 00 11", "unknown label"},
       }) {
    auto e = parse_line(c.line);
    ASSERT_FALSE(e.ok()) << c.line;
    EXPECT_EQ(e.error().code, Errc::kMalformed);
    EXPECT_NE(e.error().message.find(c.field), std::string::npos) << e.error().message;
  }
}

TEST(KeyLog, FormatRefusesWhatParseWouldRefuse) {
  LinkKeys k = link();
  k.kd_sess_id = ids::KdSessId{0};
  EXPECT_FALSE(format(k).ok());
  k = link();
  k.pik = SecretBytes(hex_literal("00"));
  EXPECT_FALSE(format(k).ok());
  DiscoveryKeys d = discovery(true);
  d.relay_service_code = ids::RelayServiceCode{0x1000000};
  EXPECT_FALSE(format(d).ok());
}

TEST(KeyLog, FileKeepsEachContextOnceAndReportsBadLines) {
  const std::string l = *format(link()), d = *format(discovery(true));
  File f = parse("# prose\n" + l + "\n" + l + "\nnonsense\n" + d + "\n" + d + "\n");
  EXPECT_EQ(f.links.size(), 1u);
  EXPECT_EQ(f.discovery.size(), 1u);
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].rfind("line 4: ", 0), 0u) << f.errors[0];
}

TEST(KeyLog, PathFromConfigElseEnvironment) {
  ::setenv(kEnvVar, "/tmp/from-env.log", 1);
  EXPECT_EQ(resolve_path("/tmp/configured.log"), "/tmp/configured.log");
  EXPECT_EQ(resolve_path(""), "/tmp/from-env.log");
  ::unsetenv(kEnvVar);
  EXPECT_EQ(resolve_path(""), "");
}

TEST(KeyLog, WriterAppendsLinesToAPrivateFile) {
  namespace fs = std::filesystem;
  fs::path p = fs::temp_directory_path() / ("prose-keylog-test-" + std::to_string(::getpid()));
  fs::remove(p);
  {
    auto w = Writer::open(p.string());
    ASSERT_TRUE(w.ok()) << w.error().to_string();
    ASSERT_TRUE((*w)->write_line("PC5_LINK a").ok());
  }
  {
    auto w = Writer::open(p.string());
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->write_line("PC5_LINK b").ok());
  }
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), "PC5_LINK a\nPC5_LINK b\n");
  EXPECT_EQ(fs::status(p).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  fs::remove(p);
  EXPECT_FALSE(Writer::open("/nonexistent-dir/x.log").ok());
}

}  // namespace
}  // namespace prose::keylog

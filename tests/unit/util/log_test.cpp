// JSON log lines: one valid JSON object per line whatever the message holds (quotes, control characters, invalid
// UTF-8), with the key=value words as fields; text lines keep the "<time> <level> <component>: message" form.
#include "prose/util/log.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <nlohmann/json.hpp>
#include <sstream>

namespace prose::log {
namespace {

struct Captured {
  std::ostringstream out;
  std::shared_ptr<spdlog::logger> logger;
  explicit Captured(Format f, std::string_view level = "info") {
    logger = make_logger("pkmf", level, f, std::make_shared<spdlog::sinks::ostream_sink_st>(out));
  }
  std::vector<std::string> lines() const {
    std::vector<std::string> v;
    std::istringstream in(out.str());
    for (std::string l; std::getline(in, l);) v.push_back(l);
    return v;
  }
};

TEST(Log, FormatNames) {
  EXPECT_EQ(format_from_name("text"), Format::kText);
  EXPECT_EQ(format_from_name("json"), Format::kJson);
  EXPECT_FALSE(format_from_name("JSON").has_value());
  EXPECT_FALSE(format_from_name("").has_value());
}

TEST(Log, JsonLineHasTheFieldsAndParses) {
  Captured c(Format::kJson);
  c.logger->info("mikey delivered imsi={} pruk_id={} attempt={}", "001010000000001", "00112233aabbccdd", 2);
  auto lines = c.lines();
  ASSERT_EQ(lines.size(), 1u);
  auto j = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["component"], "pkmf");
  EXPECT_EQ(j["msg"], "mikey delivered imsi=001010000000001 pruk_id=00112233aabbccdd attempt=2");
  EXPECT_EQ(j["fields"]["imsi"], "001010000000001");
  EXPECT_EQ(j["fields"]["pruk_id"], "00112233aabbccdd");
  EXPECT_EQ(j["fields"]["attempt"], "2");
  const std::string t = j["time"];
  ASSERT_EQ(t.size(), 24u) << t;  // 2026-12-07T03:04:05.678Z
  EXPECT_EQ(t[10], 'T');
  EXPECT_EQ(t.back(), 'Z');
}

TEST(Log, HostileMessagesStayOneValidJsonLine) {
  Captured c(Format::kJson);
  const std::string hostile = std::string("a\"b\\c\nd\re\tf") + '\x01' + '\x7f' + "\xff\xfe" + "\xc3\xa9" +
                              "\xed\xa0\x80" + "\xf0\x9f\x98\x80" + "\xe2\x82" + " k\"=v x=\"1\"";
  c.logger->warn("peer sent {}", hostile);
  c.logger->error("{}", std::string("\0z", 2));
  auto lines = c.lines();
  ASSERT_EQ(lines.size(), 2u);
  auto j = nlohmann::json::parse(lines[0]);  // throws on invalid JSON or invalid UTF-8
  const std::string msg = j["msg"];
  EXPECT_NE(msg.find("a\"b\\c\nd\re\tf\x01\x7f"), std::string::npos);
  EXPECT_NE(msg.find("\xef\xbf\xbd\xef\xbf\xbd\xc3\xa9"), std::string::npos);  // 2 bad octets, then é kept
  EXPECT_NE(msg.find("\xf0\x9f\x98\x80"), std::string::npos);                  // a 4-octet character kept
  EXPECT_EQ(msg.find("\xed\xa0\x80"), std::string::npos);                      // a surrogate is not UTF-8
  EXPECT_EQ(j["fields"].count("k\""), 0u);                                    // not a key
  EXPECT_EQ(j["fields"]["x"], "\"1\"");
  auto j2 = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(j2["msg"], std::string("\0z", 2));
}

TEST(Log, LevelsFilterAndTextKeepsItsForm) {
  Captured c(Format::kText, "warn");
  c.logger->info("hidden");
  c.logger->warn("shown key=value");
  auto lines = c.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(" warning pkmf: shown key=value"), std::string::npos) << lines[0];
}

}  // namespace
}  // namespace prose::log

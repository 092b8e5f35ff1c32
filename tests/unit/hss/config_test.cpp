#include "prose/hss/config.h"

#include <gtest/gtest.h>

#include "prose/util/hex.h"

namespace prose::hss {
namespace {

TEST(HssConfig, ExampleParses) {
  auto c = parse_config(example_config(4000), "/tmp/x/hss.toml");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->listen_port, 4000);
  EXPECT_EQ(c->watchdog_interval_s, 30);  // RFC 3539 default Tw
  EXPECT_EQ(c->database_path, "/tmp/x/hss.db");
  EXPECT_EQ(c->log_format, log::Format::kText);
  ASSERT_EQ(c->nafs.size(), 1u);
  const std::string fqdn = "pkmf.prose.test";  // the PKMF's default FQDN
  EXPECT_EQ(to_hex(c->nafs[0].naf_id()), to_hex(Bytes(fqdn.begin(), fqdn.end())) + "010000010a");
}

// [server] log_format, as the PKMF's [pkmf] log_format: "text" (the default) or "json"; anything else names the key.
TEST(HssConfig, LogFormat) {
  const std::string rest = "[database]\npath=\"a.db\"\n[[bsf.naf]]\nfqdn = \"p.lab\"\n";
  auto json = parse_config("[server]\nlog_format = \"json\"\n" + rest, "");
  ASSERT_TRUE(json.ok()) << json.error().to_string();
  EXPECT_EQ(json->log_format, log::Format::kJson);
  auto text = parse_config("[server]\nlog_format = \"text\"\n" + rest, "");
  ASSERT_TRUE(text.ok()) << text.error().to_string();
  EXPECT_EQ(text->log_format, log::Format::kText);
  for (const std::string bad : {"\"JSON\"", "\"\"", "1"}) {
    auto c = parse_config("[server]\nlog_format = " + bad + "\n" + rest, "");
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_NE(c.error().message.find("server.log_format"), std::string::npos) << c.error().message;
  }
}

TEST(HssConfig, Errors) {
  auto bad = [](const std::string& text, const std::string& needle) {
    auto c = parse_config(text, "");
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_NE(c.error().message.find(needle), std::string::npos) << c.error().message;
  };
  const std::string naf = "\n[[bsf.naf]]\nfqdn = \"p.lab\"\n";
  bad("[database]\npath=\"a.db\"\n[server]\nlisten_port = 70000\n" + naf, "server.listen_port");
  bad("[database]\npath=\"a.db\"\n[server]\nbogus = 1\n" + naf, "server.bogus");
  bad("[server]\nlisten_port = 1\n" + naf, "database");
  bad("[database]\npath=\"a.db\"\n", "bsf.naf");
  bad("[database]\npath=\"a.db\"\n[[bsf.naf]]\nfqdn=\"p\"\nua_security_protocol_id=\"0102\"\n",
      "ua_security_protocol_id");
  bad("[database]\npath = 3\n" + naf, "database.path");
  bad("[database\n", "config:");
  bad("[database]\npath=\"a.db\"\n[sqn]\nind_bits = 20\n" + naf, "sqn.ind_bits");
  bad("[database]\npath=\"a.db\"\n[server]\nwatchdog_interval = 5\n" + naf, "server.watchdog_interval");  // Tw >= 6 s
}

// The messages read like the PKMF's and the ProSe Function's (config::TomlReader): "<file>: <key>: <problem>".
TEST(HssConfig, MessagesNameTheFileAndTheKey) {
  const std::string rest = "[database]\npath=\"a.db\"\n[[bsf.naf]]\nfqdn = \"p.lab\"\n";
  auto type = parse_config("[server]\nlisten_port = \"x\"\n" + rest, "/etc/prose/hss.toml");
  ASSERT_FALSE(type.ok());
  EXPECT_EQ(type.error().message, "/etc/prose/hss.toml: server.listen_port: wrong type");
  auto section = parse_config("[bogus]\n" + rest, "");
  ASSERT_FALSE(section.ok());
  EXPECT_EQ(section.error().message, "config: unknown section [bogus]");
  auto empty = parse_config("[server]\norigin_host = \"\"\n" + rest, "");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message, "config: server.origin_host: must not be empty");
  auto naf = parse_config("[database]\npath=\"a.db\"\n[[bsf.naf]]\nfqdn = \"p\"\nport = 1\n", "");
  ASSERT_FALSE(naf.ok());
  EXPECT_EQ(naf.error().message, "config: bsf.naf[0].port: unknown key");
  auto lifetimes = parse_config(
      "[database]\npath=\"a.db\"\n[bsf]\ndefault_key_lifetime = 10\nmax_key_lifetime = 5\n[[bsf.naf]]\nfqdn = \"p\"\n",
      "");
  ASSERT_FALSE(lifetimes.ok());
  EXPECT_EQ(lifetimes.error().message, "config: bsf.default_key_lifetime: larger than bsf.max_key_lifetime");
}

}  // namespace
}  // namespace prose::hss

// [bsf] ub_listen, bsf_host and bootstrap_lifetime: defaults, values, and errors that name the key.
#include <gtest/gtest.h>

#include "prose/hss/config.h"

namespace prose::hss {
namespace {

const std::string kDb = "[database]\npath = \"a.db\"\n";
const std::string kNaf = "[[bsf.naf]]\nfqdn = \"p.lab\"\n";

TEST(HssUbConfig, DefaultsAndValues) {
  auto d = parse_config(kDb + "[bsf]\n" + kNaf, "");
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  EXPECT_TRUE(d->ub_listen.empty());
  EXPECT_EQ(d->bsf_host, "bsf.prose.lab");
  EXPECT_EQ(d->bootstrap_lifetime, 3600u);
  auto c = parse_config(
      kDb + "[bsf]\nub_listen = \"127.0.0.1:8080\"\nbsf_host = \"bsf.lab\"\nbootstrap_lifetime = 60\n" + kNaf, "");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->ub_listen, "127.0.0.1:8080");
  EXPECT_EQ(c->bsf_host, "bsf.lab");
  EXPECT_EQ(c->bootstrap_lifetime, 60u);
}

TEST(HssUbConfig, ErrorsNameTheKey) {
  const std::pair<std::string, std::string> bad[] = {
      {"ub_listen = \"10.0.0.1:8080\"", "bsf.ub_listen"},  // not loopback
      {"ub_listen = \"127.0.0.1\"", "bsf.ub_listen"},      // no port
      {"bsf_host = \"\"", "bsf.bsf_host"},
      {"bootstrap_lifetime = 0", "bsf.bootstrap_lifetime"},
      {"ub_port = 1", "bsf.ub_port"},  // unknown key
  };
  for (const auto& [line, key] : bad) {
    auto c = parse_config(kDb + "[bsf]\n" + line + "\n" + kNaf, "");
    ASSERT_FALSE(c.ok()) << line;
    EXPECT_NE(c.error().message.find(key), std::string::npos) << c.error().message;
  }
}

}  // namespace
}  // namespace prose::hss

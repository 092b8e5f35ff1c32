// The PKMF's [tls] mode: certificate stays the default, "gba" needs [hss] and takes naf_fqdn (default [pkmf]
// fqdn), anything else names the key.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "prose/pkmf/config.h"
#include "prose/util/random.h"

namespace prose::gba_naf {
namespace {

namespace fs = std::filesystem;

Result<pkmf::PkmfConfig> load(const std::string& tls_and_more) {
  const fs::path p = fs::temp_directory_path() / ("prose-pkmf-gba-cfg-" + std::to_string(random_u64()) + ".toml");
  std::ofstream(p) << "[pkmf]\nfqdn = \"pkmf.lab\"\nport = 0\n[store]\nurl = \"sqlite::memory:\"\nkek = \""
                   << std::string(64, 'a') << "\"\n"
                   << tls_and_more;
  auto c = pkmf::load_config(p.string());
  fs::remove(p);
  return c;
}

TEST(PkmfGbaConfig, GbaModeNeedsHssAndDefaultsTheNafFqdn) {
  auto c = load("[tls]\nmode = \"gba\"\n[hss]\nport = 3868\n");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  ASSERT_TRUE(c->gba_naf_fqdn.has_value());
  EXPECT_EQ(*c->gba_naf_fqdn, "pkmf.lab");
  auto n = load("[tls]\nmode = \"gba\"\nnaf_fqdn = \"naf.lab\"\n[hss]\nport = 3868\n");
  ASSERT_TRUE(n.ok()) << n.error().to_string();
  EXPECT_EQ(*n->gba_naf_fqdn, "naf.lab");
  auto no_hss = load("[tls]\nmode = \"gba\"\n");
  ASSERT_FALSE(no_hss.ok());
  EXPECT_NE(no_hss.error().message.find("tls.mode"), std::string::npos) << no_hss.error().message;
  auto bad = load("[tls]\nmode = \"psk\"\n[hss]\nport = 3868\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("tls.mode"), std::string::npos) << bad.error().message;
}

TEST(PkmfGbaConfig, RelayImsisMapRelaysThatBootstrapWithAUsim) {
  auto c = load("[tls]\nmode = \"gba\"\nrelay_imsis = { r1 = \"001010000000901\" }\n[hss]\nport = 3868\n");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  ASSERT_EQ(c->gba_relays.size(), 1u);
  EXPECT_EQ(c->gba_relays.at("001010000000901"), "r1");
  auto bad = load("[tls]\nmode = \"gba\"\nrelay_imsis = { r1 = \"12ab\" }\n[hss]\nport = 3868\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("tls.relay_imsis.r1"), std::string::npos) << bad.error().message;
  auto twice = load(
      "[tls]\nmode = \"gba\"\nrelay_imsis = { r1 = \"001010000000901\", r2 = \"001010000000901\" }\n"
      "[hss]\nport = 3868\n");
  ASSERT_FALSE(twice.ok());
  auto typo = load("[tls]\nmode = \"gba\"\nnaf_fqnd = \"x\"\n[hss]\nport = 3868\n");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().message.find("tls.naf_fqnd"), std::string::npos) << typo.error().message;
}

TEST(PkmfGbaConfig, CertificateModeIsTheDefaultAndStillNeedsItsFiles) {
  auto c = load("[tls]\ncert = \"/nonexistent/c.pem\"\nkey = \"/nonexistent/k.pem\"\nca = \"/nonexistent/ca.pem\"\n");
  ASSERT_FALSE(c.ok());  // the certificate files are checked as before
  EXPECT_NE(c.error().message.find("tls."), std::string::npos) << c.error().message;
}

}  // namespace
}  // namespace prose::gba_naf

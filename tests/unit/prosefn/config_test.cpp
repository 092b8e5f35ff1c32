// The ProSe Function configuration: the example loads, every bad key is named, and the PKMF's [prose_function]
// section defaults to the PKMF's own address.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "prose/prosefn/config.h"
#include "prose/prosefn/toml_section.h"
#include "prose/util/random.h"

namespace prose::prosefn {
namespace {

namespace fs = std::filesystem;

class ProsefnConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("prose-prosefn-cfg-" + std::to_string(random_u64()));
    ExampleConfigOptions o;
    o.dir = dir_.string();
    o.port = 9444;
    o.pkmf_port = 9443;
    auto p = write_example_config(o);
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    path_ = *p;
    std::ifstream f(path_);
    text_.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result<ProseFunctionConfig> load_with(const std::string& from, const std::string& to) {
    std::string t = text_;
    auto at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) t.replace(at, from.size(), to);
    std::string p = (dir_ / "edited.toml").string();
    std::ofstream(p) << t;
    return load_config(p);
  }
  static std::string message(const Result<ProseFunctionConfig>& r) { return r.ok() ? "ok" : r.error().message; }

  fs::path dir_;
  std::string path_, text_;
};

TEST_F(ProsefnConfig, ExampleLoads) {
  auto c = load_config(path_);
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->https.port, 9444);
  EXPECT_EQ(c->parameters.pkmf.port, 9443);
  EXPECT_EQ(c->parameters.pkmf.fqdn, "pkmf.prose.test");
  EXPECT_EQ(c->parameters.announce_ms, 500u);
  EXPECT_TRUE(fs::exists(dir_ / "pki" / "prose-function.pem"));
  EXPECT_EQ(c->store_url, "sqlite:" + (dir_ / "pkmf.db").string());
  EXPECT_FALSE(write_example_config({dir_.string()}).ok());  // refuses to overwrite
}

// [tls] mode = "gba": the standalone ProSe Function is a GBA NAF (keys over Zn from the [hss] peer), no files.
TEST_F(ProsefnConfig, GbaModeNeedsHssAndTakesNafFqdnAndRelays) {
  auto at = text_.find("[tls]\n");
  ASSERT_NE(at, std::string::npos);
  const std::string tls = text_.substr(at, text_.find("\n[", at + 1) - at + 1);
  auto c = load_with(tls,
                     "[tls]\nmode = \"gba\"\nnaf_fqdn = \"prose-function.prose.test\"\n"
                     "relay_imsis = { r1 = \"001010000000901\" }\n[hss]\nport = 3999\n");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  ASSERT_TRUE(c->gba.has_value());
  EXPECT_EQ(c->gba->naf_fqdn, "prose-function.prose.test");
  EXPECT_EQ(c->gba->hss_port, 3999);
  EXPECT_EQ(c->gba->relay_by_imsi.at("001010000000901"), "r1");
  EXPECT_TRUE(c->https.tls.cert_file.empty());
  auto dflt = load_with(tls, "[tls]\nmode = \"gba\"\n[hss]\nport = 3999\n");
  ASSERT_TRUE(dflt.ok()) << dflt.error().to_string();
  EXPECT_EQ(dflt->gba->naf_fqdn, "pkmf.prose.test");  // [pkmf] fqdn of the example
  EXPECT_NE(message(load_with(tls, "[tls]\nmode = \"gba\"\n")).find("tls.mode"), std::string::npos);
  EXPECT_NE(message(load_with(tls, "[tls]\nmode = \"psk\"\n")).find("tls.mode"), std::string::npos);
  EXPECT_NE(message(load_with(tls, tls + "[hss]\nport = 3999\n")).find("hss"), std::string::npos);
  auto cert = load_config(path_);
  ASSERT_TRUE(cert.ok());
  EXPECT_FALSE(cert->gba.has_value());
}

TEST_F(ProsefnConfig, AMissingOrUnusableConfigPathIsAnErrorNotAThrow) {
  std::string absent = (dir_ / "absent.toml").string();
  EXPECT_EQ(message(load_config(absent)), absent + ": no such file");
  std::string too_long = (dir_ / std::string(5000, 'a')).string();  // std::filesystem throws on this name
  EXPECT_EQ(message(load_config(too_long)), too_long + ": File name too long");
}

TEST_F(ProsefnConfig, PerRscSettingsOverrideTheDefaults) {
  auto c = load_with("announce_ms = 500\n",
                     "announce_ms = 500\n[discovery.rsc.00ABCD]\nmodel_a = false\n"
                     "announce_ms = 2000\n[discovery.rsc.000001]\ndusk = false\n");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  ASSERT_EQ(c->parameters.per_rsc.size(), 2u);
  auto p = c->parameters.for_entry(pc3::Role::kRelay, 0x00abcd);
  EXPECT_FALSE(p.model_a);
  EXPECT_TRUE(p.model_b);
  EXPECT_EQ(p.announce_ms, 2000u);
  EXPECT_TRUE(p.use_dusk);
  auto q = c->parameters.for_entry(pc3::Role::kRemoteUe, 0x000001);
  EXPECT_FALSE(q.use_dusk);
  EXPECT_EQ(q.announce_ms, 0u);
  auto d = c->parameters.for_entry(pc3::Role::kRelay, 0x000002);  // no override
  EXPECT_TRUE(d.model_a && d.use_dusk);
  EXPECT_EQ(d.announce_ms, 500u);

  EXPECT_NE(message(load_with("announce_ms = 500\n", "announce_ms = 500\n[discovery.rsc.abcd]\nduik = true\n"))
                .find("discovery.rsc.abcd: expected a Relay Service Code of 6 hex digits"),
            std::string::npos);
  EXPECT_NE(message(load_with("announce_ms = 500\n", "announce_ms = 500\n[discovery.rsc.00abcd]\nduk = true\n"))
                .find("discovery.rsc.00abcd.duk: unknown key"),
            std::string::npos);
  // An override that leaves no discovery model is refused with its RSC named.
  auto none = load_with("model_b = true", "model_b = false\n[discovery.rsc.00abcd]\nmodel_a = false");
  EXPECT_NE(message(none).find("rsc 00abcd"), std::string::npos) << message(none);
}

TEST_F(ProsefnConfig, BadValuesAreNamed) {
  EXPECT_NE(message(load_with("port = 9443", "port = 0")).find("pkmf.port"), std::string::npos);
  EXPECT_NE(message(load_with("host = \"127.0.0.1\"", "host = \"not a host\"")).find("not a DNS name"),
            std::string::npos);
  EXPECT_NE(
      message(load_with("model_a = true\nmodel_b = true", "model_a = false\nmodel_b = false")).find("model A, model B"),
      std::string::npos);
  EXPECT_NE(message(load_with("announce_ms = 500", "announce_ms = 0")).find("discovery.announce_ms"),
            std::string::npos);
  EXPECT_NE(message(load_with("max_offset = 2", "max_offset = \"2\"")).find("discovery.max_offset: wrong type"),
            std::string::npos);
  EXPECT_NE(message(load_with("duck = true", "duck = true\nfoo = 1")).find("discovery.foo: unknown key"),
            std::string::npos);
  EXPECT_NE(message(load_with("[discovery]", "[discover]")).find("unknown section [discover]"), std::string::npos);
  EXPECT_NE(message(load_with("kek = \"", "kek = \"00")).find("store.kek"), std::string::npos);
  EXPECT_NE(message(load_with("cert = \"pki/prose-function.pem\"", "cert = \"pki/none.pem\"")).find("tls.cert"),
            std::string::npos);
  EXPECT_NE(message(load_with("[pkmf]\nhost = \"127.0.0.1\"\n", "[pkmf]\n")).find("pkmf.host: missing"),
            std::string::npos);
  EXPECT_NE(message(load_with("[prose_function]", "[prose_function")).find("edited.toml:"), std::string::npos);
  EXPECT_NE(message(load_with("[prose_function]", "[prose_function]\nmetrics_listen = \"10.0.0.1:9465\""))
                .find("prose_function.metrics_listen"),
            std::string::npos);
}

Result<std::optional<HostedConfig>> hosted(const std::string& toml, const std::string& listen, std::uint16_t port) {
  toml::table t = toml::parse(toml);
  return parse_hosted_section(t, "pkmf.toml", listen, port, "pkmf.example.org");
}

TEST(ProsefnHostedConfig, DefaultsToThePkmfsOwnAddress) {
  auto none = hosted("[pkmf]\nport = 1\n", "127.0.0.1", 8443);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto off = hosted("[prose_function]\nenabled = false\n", "127.0.0.1", 8443);
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->has_value());

  auto h = hosted("[prose_function]\nenabled = true\n", "10.0.0.5", 8443);
  ASSERT_TRUE(h.ok() && h->has_value());
  const auto& a = (*h)->parameters.pkmf;
  EXPECT_EQ(a.host, "10.0.0.5");
  EXPECT_EQ(a.port, 8443);
  EXPECT_EQ(a.fqdn, "pkmf.example.org");
  EXPECT_EQ(a.server_name, "pkmf.example.org");
  EXPECT_FALSE((*h)->pkmf_port_from_server);

  auto w = hosted("[prose_function]\n", "0.0.0.0", 0);
  ASSERT_TRUE(w.ok() && w->has_value());
  EXPECT_EQ((*w)->parameters.pkmf.host, "pkmf.example.org");
  EXPECT_TRUE((*w)->pkmf_port_from_server);

  auto o = hosted(
      "[prose_function]\n[prose_function.pkmf]\nhost = \"pkmf.lb.example.org\"\nport = 443\n"
      "[prose_function.discovery]\nmodel_a = false\nannounce_ms = 2000\n",
      "127.0.0.1", 0);
  ASSERT_TRUE(o.ok() && o->has_value()) << (o.ok() ? "" : o.error().message);
  EXPECT_EQ((*o)->parameters.pkmf.host, "pkmf.lb.example.org");
  EXPECT_EQ((*o)->parameters.pkmf.port, 443);
  EXPECT_FALSE((*o)->pkmf_port_from_server);
  EXPECT_FALSE((*o)->parameters.model_a);
  EXPECT_EQ((*o)->parameters.announce_ms, 2000u);
}

TEST(ProsefnHostedConfig, BadKeysAreNamed) {
  auto bad = hosted("[prose_function]\nenable = true\n", "127.0.0.1", 8443);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("pkmf.toml: prose_function.enable: unknown key"), std::string::npos);
  auto port = hosted("[prose_function.pkmf]\nport = 70000\n", "127.0.0.1", 8443);
  ASSERT_FALSE(port.ok());
  EXPECT_NE(port.error().message.find("prose_function.pkmf.port"), std::string::npos);
  auto fqdn = hosted("[prose_function.pkmf]\nfqdn = \"::1\"\n", "127.0.0.1", 8443);
  ASSERT_FALSE(fqdn.ok());
  EXPECT_NE(fqdn.error().message.find("not a DNS name"), std::string::npos) << fqdn.error().message;
}

}  // namespace
}  // namespace prose::prosefn

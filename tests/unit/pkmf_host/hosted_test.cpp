// The PKMF hosting the ProSe Function ([prose_function] in its configuration): PC3 and PC8 on the same HTTPS
// port; on an ephemeral port the PKMF address handed out carries the port actually bound.
#include "prose/pkmf_host/host.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "prose/pc3/constants.h"
#include "prose/pc8/codec.h"
#include "prose/prosefn/client.h"
#include "prose/util/random.h"

namespace prose::pkmf_host {
namespace {

namespace fs = std::filesystem;

// A mutual-TLS client with the example PKI's certificate of UE 001010000000001.
Result<std::unique_ptr<net::HttpsClient>> ue_client(const fs::path& dir, std::uint16_t port) {
  net::HttpsClientConfig c;
  c.port = port;
  c.tls.ca_file = (dir / "pki" / "ca.pem").string();
  c.tls.cert_file = (dir / "pki" / "ue-001010000000001.pem").string();
  c.tls.key_file = (dir / "pki" / "ue-001010000000001.key").string();
  c.tls.server_name = "pkmf.prose.test";
  c.tls.keylog_from_env = false;
  return net::HttpsClient::create(c);
}

TEST(PkmfHostProseFunction, ServesPc3NextToPc8WithTheBoundPort) {
  fs::path dir = fs::temp_directory_path() / ("prose-prosefn-hosted-" + std::to_string(random_u64()));
  pkmf::ExampleConfigOptions o;
  o.dir = dir.string();
  o.port = 0;  // ephemeral
  o.mikey_port = 0;
  o.hss_port = std::nullopt;
  o.ue_imsis = {"001010000000001"};
  auto path = pkmf::write_example_config(o);
  ASSERT_TRUE(path.ok()) << path.error().to_string();
  std::ofstream(*path, std::ios::app) << "\n[prose_function]\nenabled = true\n";
  auto cfg = load_config(*path);
  ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
  ASSERT_TRUE(cfg->prose_function.has_value());
  EXPECT_TRUE(cfg->prose_function->pkmf_port_from_server);
  {
    auto s = store::open_store(cfg->pkmf.store_url, cfg->pkmf.kek);
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->upsert_ue("001010000000001", {0x00abcd}, 0).ok());
  }
  PkmfHost host(std::move(*cfg));
  ASSERT_TRUE(host.start().ok());
  pkmf::PkmfServer& server = host.pkmf();
  ASSERT_NE(server.https_port(), 0);

  auto client = ue_client(dir, server.https_port());
  ASSERT_TRUE(client.ok());
  auto p = prosefn::fetch_service_parameters(**client, pc3::Role::kRemoteUe, {0x00abcd});
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ((*p)[0].pkmf.port, server.https_port());
  EXPECT_EQ((*p)[0].pkmf.host, "127.0.0.1");
  EXPECT_EQ((*p)[0].pkmf.fqdn, "pkmf.prose.test");

  // PC8 on the same connection still reaches the PKMF.
  pc8::PrukRequest stop;
  stop.transaction_id.value = 5;
  stop.delivery = pc8::PrukDelivery::kStop;
  auto body = pc8::Codec::encode(pc8::Request(stop));
  ASSERT_TRUE(body.ok());
  auto resp = (*client)->post(pc8::kHttpPath, pc8::kContentType, *body);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 200) << resp->body;
  EXPECT_EQ((*client)->stats().connections_opened, 1u);

  // The PKMF's /metrics counts the PC3 requests it served (and a malformed one as an HTTP error).
  auto bad = (*client)->post(pc3::kHttpPath, pc3::kContentType, "<not-pc3/>");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400);
  const std::string m = server.metrics().render();
  EXPECT_NE(m.find("prose_pkmf_requests_total{exchange=\"pc3-service-authorisation\"} 2"), std::string::npos) << m;
  EXPECT_NE(m.find("le=\"+Inf\"} 2"), std::string::npos) << m;
  host.stop();
  fs::remove_all(dir);
}

TEST(PkmfHostProseFunction, WithoutTheSectionPc3IsNotServed) {
  fs::path dir = fs::temp_directory_path() / ("prose-prosefn-hosted-" + std::to_string(random_u64()));
  pkmf::ExampleConfigOptions o;
  o.dir = dir.string();
  o.port = 0;
  o.mikey_port = 0;
  o.hss_port = std::nullopt;
  o.ue_imsis = {"001010000000001"};
  auto path = pkmf::write_example_config(o);
  ASSERT_TRUE(path.ok());
  auto cfg = load_config(*path);
  ASSERT_TRUE(cfg.ok());
  EXPECT_FALSE(cfg->prose_function.has_value());
  PkmfHost host(std::move(*cfg));
  ASSERT_TRUE(host.start().ok());
  pkmf::PkmfServer& server = host.pkmf();
  auto client = ue_client(dir, server.https_port());
  ASSERT_TRUE(client.ok());
  auto p = prosefn::fetch_service_parameters(**client, pc3::Role::kRemoteUe, {0x00abcd});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, Errc::kMalformed);  // 404 from the PKMF
  EXPECT_NE(p.error().message.find("HTTP 404"), std::string::npos) << p.error().message;
  host.stop();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace prose::pkmf_host

// `prose prose-function` standalone and the PKMF-hosted PC3 endpoint, as separate processes over real mutual TLS:
// every authorisation outcome through the client helper, curl with and without a client certificate (responses
// checked with xmllint against schema/pc3.xsd), the PKMF address handed out reaching the PKMF (a PC8 request),
// and bad configurations refused with exit 2.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <thread>

#include "prose/net/client.h"
#include "prose/pc3/codec.h"
#include "prose/pc3/constants.h"
#include "prose/pc3/examples.h"
#include "prose/pc8/codec.h"
#include "prose/prosefn/client.h"
#include "prose/testbed/ports.h"
#include "prose/testbed/process.h"
#include "prose/testbed/wait.h"
#include "prose/util/random.h"

namespace prose {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kUe = "001010000000001";
constexpr const char* kUnprovisionedUe = "001010000000002";

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::pair<int, std::string> run(const std::string& cmd) { return testbed::run_shell(cmd); }

std::uint16_t free_port() { return testbed::free_port_or_zero(testbed::Proto::kTcp); }

bool wait_listening(std::uint16_t port) { return testbed::wait_for_tcp(port, 10s).ok(); }

// A `prose <args...>` child process (stdout and stderr appended to `log`), stopped at the end.
class Process {
 public:
  Process(std::vector<std::string> args, std::string log) {
    testbed::SpawnOptions o;
    o.argv = {env("PROSE_BIN")};
    o.argv.insert(o.argv.end(), args.begin(), args.end());
    o.log = std::move(log);
    o.append_log = true;
    auto p = testbed::Process::spawn(std::move(o));
    EXPECT_TRUE(p.ok()) << p.error().to_string();
    if (p.ok()) process_ = std::move(*p);
  }

 private:
  testbed::Process process_;
};

class ProsefnProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(env("PROSE_BIN").empty()) << "PROSE_BIN must name the prose binary";
    bin_ = env("PROSE_BIN");
    dir_ = fs::temp_directory_path() / ("prose-prosefn-proc-" + std::to_string(random_u64()));
    pkmf_port_ = free_port();
    pf_port_ = free_port();
    while (pf_port_ == pkmf_port_) pf_port_ = free_port();
    auto d = dir_.string();
    std::string store;
    if (std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()).find("Postgres") !=
        std::string::npos) {
      ASSERT_FALSE(env("PROSE_TEST_PG_URL").empty()) << "PROSE_TEST_PG_URL must name the test cluster";
      store = " --store " + env("PROSE_TEST_PG_URL");
    }
    auto r = run(bin_ + " pkmf example-config --dir " + d + " --port " + std::to_string(pkmf_port_) +
                 " --mikey-port 0 --hss-port 0 --ue " + kUe + " --ue " + kUnprovisionedUe + " --relay r1 --relay r2" +
                 store);
    ASSERT_EQ(r.first, 0) << r.second;
    r = run(bin_ + " prose-function example-config --dir " + d + " --port " + std::to_string(pf_port_) +
            " --pkmf-port " + std::to_string(pkmf_port_));
    ASSERT_EQ(r.first, 0) << r.second;
    // The PKMF also hosts the ProSe Function, handing out itself with other discovery settings.
    std::ofstream(dir_ / "pkmf.toml", std::ios::app)
        << "\n[prose_function]\nenabled = true\n[prose_function.discovery]\nmodel_b = false\nannounce_ms = 900\n";
    for (const auto& cmd : {std::string(" ue-add --imsi ") + kUe + " --rsc 00abcd --rsc 000001",
                            std::string(" relay-add --id r1 --rsc 00abcd")}) {
      r = run(bin_ + " admin --config " + d + "/pkmf.toml" + cmd);
      ASSERT_EQ(r.first, 0) << r.second;
    }
  }
  void TearDown() override {
    if (HasFailure()) {
      for (const char* log : {"pf.log", "pkmf.log"}) {
        std::ifstream f(dir_ / log);
        std::cout << "---- " << log << "\n" << std::string(std::istreambuf_iterator<char>(f), {});
      }
    }
    fs::remove_all(dir_);
  }

  std::unique_ptr<net::HttpsClient> client(const std::string& base, std::uint16_t port, const std::string& name) {
    net::HttpsClientConfig c;
    c.port = port;
    c.tls.ca_file = (dir_ / "pki" / "ca.pem").string();
    c.tls.cert_file = (dir_ / "pki" / (base + ".pem")).string();
    c.tls.key_file = (dir_ / "pki" / (base + ".key")).string();
    c.tls.server_name = name;
    c.tls.keylog_from_env = false;
    auto r = net::HttpsClient::create(c);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r.ok() ? std::move(*r) : nullptr;
  }

  // Every authorisation outcome against the endpoint at `port`.
  void check_outcomes(std::uint16_t port, const std::string& name, bool model_b, std::uint32_t announce_ms) {
    auto ue = client(std::string("ue-") + kUe, port, name);
    auto ok = prosefn::fetch_service_parameters(*ue, pc3::Role::kRemoteUe, {0x00abcd, 0x000001});
    ASSERT_TRUE(ok.ok()) << ok.error().to_string();
    ASSERT_EQ(ok->size(), 2u);
    const auto& p = (*ok)[0];
    EXPECT_EQ(p.pkmf.host, "127.0.0.1");
    EXPECT_EQ(p.pkmf.port, pkmf_port_);
    EXPECT_EQ(p.pkmf.server_name, "pkmf.prose.test");
    EXPECT_EQ(p.pkmf.fqdn, "pkmf.prose.test");
    EXPECT_EQ(p.model_b, model_b);
    EXPECT_EQ(p.announce_ms, 0u);

    auto relay = client("relay-r1", port, name);
    auto rp = prosefn::fetch_service_parameters(*relay, pc3::Role::kRelay, {0x00abcd});
    ASSERT_TRUE(rp.ok()) << rp.error().to_string();
    EXPECT_EQ((*rp)[0].announce_ms, announce_ms);

    auto role = prosefn::fetch_service_parameters(*ue, pc3::Role::kRelay, {0x00abcd});
    ASSERT_FALSE(role.ok());
    EXPECT_EQ(role.error().code, Errc::kDenied);
    EXPECT_NE(role.error().message.find("role-not-authorised"), std::string::npos) << role.error().message;

    auto rsc = prosefn::fetch_service_parameters(*ue, pc3::Role::kRemoteUe, {0x00abce});
    ASSERT_FALSE(rsc.ok());
    EXPECT_NE(rsc.error().message.find("relay-service-code-not-authorised"), std::string::npos);

    for (const std::string& base : {std::string("ue-") + kUnprovisionedUe, std::string("relay-r2")}) {
      auto c = client(base, port, name);
      auto u =
          prosefn::fetch_service_parameters(*c, base[0] == 'u' ? pc3::Role::kRemoteUe : pc3::Role::kRelay, {0x00abcd});
      ASSERT_FALSE(u.ok()) << base;
      EXPECT_NE(u.error().message.find("unknown-identity"), std::string::npos) << u.error().message;
    }
  }

  // curl with the UE's certificate: 200 and a schema-valid response; without a certificate: no response at all.
  void check_curl(std::uint16_t port, const std::string& name) {
    auto m = pc3::example("request");
    ASSERT_TRUE(m.ok());
    auto req = pc3::Codec::encode(*m);
    ASSERT_TRUE(req.ok());
    std::ofstream(dir_ / "req.xml") << *req;
    std::string pki = (dir_ / "pki").string();
    std::string base = "curl -sS --max-time 10 --cacert " + pki + "/ca.pem --resolve " + name + ":" +
                       std::to_string(port) + ":127.0.0.1 -H 'Content-Type: " + std::string(pc3::kContentType) +
                       "' --data-binary @" + (dir_ / "req.xml").string() + " https://" + name + ":" +
                       std::to_string(port) + std::string(pc3::kHttpPath);
    auto with = run(base + " --cert " + pki + "/ue-" + kUe + ".pem --key " + pki + "/ue-" + kUe + ".key -o " +
                    (dir_ / "resp.xml").string() + " -w '%{http_code}'");
    ASSERT_EQ(with.first, 0) << with.second;
    EXPECT_EQ(with.second, "200");
    auto lint = run("xmllint --noout --schema " + env("PROSE_SCHEMA") + " " + (dir_ / "resp.xml").string());
    EXPECT_EQ(lint.first, 0) << lint.second;
    auto v = run(bin_ + " prose-function validate " + (dir_ / "resp.xml").string());
    EXPECT_EQ(v.first, 0) << v.second;
    std::ifstream f(dir_ / "resp.xml");
    std::string body((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    auto d = pc3::Codec::decode_response(body);
    ASSERT_TRUE(d.ok()) << body;
    EXPECT_EQ(std::get<std::vector<pc3::RelayServiceAuthorisation>>(d->outcome).size(), 3u);
    auto without = run(base + " -o /dev/null");
    EXPECT_NE(without.first, 0) << without.second;  // the handshake (TLS 1.2) or the first read (TLS 1.3) fails
  }

  std::string bin_;
  fs::path dir_;
  std::uint16_t pkmf_port_ = 0, pf_port_ = 0;
};

TEST_F(ProsefnProcess, StandaloneProseFunction) {
  Process pf({"prose-function", "--config", (dir_ / "prose-function.toml").string()}, (dir_ / "pf.log").string());
  ASSERT_TRUE(wait_listening(pf_port_));
  check_outcomes(pf_port_, "prose-function.prose.test", true, 500);
  check_curl(pf_port_, "prose-function.prose.test");
  // The command line client: parameters as JSON, a refusal as exit 2 naming the cause.
  std::string pki = (dir_ / "pki").string();
  std::string q = bin_ + " prose-function query --port " + std::to_string(pf_port_) + " --ca " + pki +
                  "/ca.pem --cert " + pki + "/relay-r1.pem --key " + pki + "/relay-r1.key --rsc 00abcd";
  auto json = run(q + " --role relay --json");
  EXPECT_EQ(json.first, 0) << json.second;
  EXPECT_NE(json.second.find("\"announce_ms\": 500"), std::string::npos) << json.second;
  EXPECT_NE(json.second.find("\"port\": " + std::to_string(pkmf_port_)), std::string::npos) << json.second;
  auto refused = run(q + " --role remote-ue");
  EXPECT_EQ(refused.first, 2) << refused.second;
  EXPECT_NE(refused.second.find("role-not-authorised"), std::string::npos) << refused.second;
  // An administrative change is seen by the next request.
  auto r = run(bin_ + " admin --config " + (dir_ / "pkmf.toml").string() + " ue-add --imsi " + kUnprovisionedUe +
               " --rsc 00abcd");
  ASSERT_EQ(r.first, 0) << r.second;
  auto c = client(std::string("ue-") + kUnprovisionedUe, pf_port_, "prose-function.prose.test");
  EXPECT_TRUE(prosefn::fetch_service_parameters(*c, pc3::Role::kRemoteUe, {0x00abcd}).ok());
}

TEST_F(ProsefnProcess, HostedInThePkmfAndTheAddressReachesThePkmf) {
  Process pkmf({"pkmf", "--config", (dir_ / "pkmf.toml").string()}, (dir_ / "pkmf.log").string());
  ASSERT_TRUE(wait_listening(pkmf_port_));
  check_outcomes(pkmf_port_, "pkmf.prose.test", false, 900);
  check_curl(pkmf_port_, "pkmf.prose.test");

  // Step 0 then step 1a: a Remote UE takes the PKMF address from the ProSe Function and sends it a Key Request.
  auto ue = client(std::string("ue-") + kUe, pkmf_port_, "pkmf.prose.test");
  auto params = prosefn::fetch_service_parameters(*ue, pc3::Role::kRemoteUe, {0x00abcd});
  ASSERT_TRUE(params.ok()) << params.error().to_string();
  const auto& a = (*params)[0].pkmf;
  net::HttpsClientConfig c;
  c.host = a.host;
  c.port = a.port;
  c.tls.ca_file = (dir_ / "pki" / "ca.pem").string();
  c.tls.cert_file = (dir_ / "pki" / (std::string("ue-") + kUe + ".pem")).string();
  c.tls.key_file = (dir_ / "pki" / (std::string("ue-") + kUe + ".key")).string();
  c.tls.server_name = a.server_name;
  c.tls.keylog_from_env = false;
  auto pc8_client = net::HttpsClient::create(c);
  ASSERT_TRUE(pc8_client.ok());
  pc8::PrukRequest stop;
  stop.transaction_id.value = 9;
  stop.delivery = pc8::PrukDelivery::kStop;
  auto body = pc8::Codec::encode(pc8::Request(stop));
  ASSERT_TRUE(body.ok());
  auto resp = (*pc8_client)->post(pc8::kHttpPath, pc8::kContentType, *body);
  ASSERT_TRUE(resp.ok()) << resp.error().to_string();
  ASSERT_EQ(resp->status, 200) << resp->body;
  auto decoded = pc8::Codec::decode_response(resp->body);
  ASSERT_TRUE(decoded.ok()) << resp->body;
  EXPECT_TRUE(std::holds_alternative<pc8::PrukStopAck>(std::get<pc8::PrukResponse>(*decoded).outcome));
}

// Both endpoints at once on one PostgreSQL store (the PKMF's multi-process deployment).
TEST_F(ProsefnProcess, PostgresStoreStandaloneAndHostedTogether) {
  std::ifstream in(dir_ / "prose-function.toml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_NE(text.find("url = \"postgresql://"), std::string::npos) << text;
  Process pkmf({"pkmf", "--config", (dir_ / "pkmf.toml").string()}, (dir_ / "pkmf.log").string());
  Process pf({"prose-function", "--config", (dir_ / "prose-function.toml").string()}, (dir_ / "pf.log").string());
  ASSERT_TRUE(wait_listening(pkmf_port_));
  ASSERT_TRUE(wait_listening(pf_port_));
  check_outcomes(pf_port_, "prose-function.prose.test", true, 500);
  check_outcomes(pkmf_port_, "pkmf.prose.test", false, 900);
}

TEST_F(ProsefnProcess, BadConfigurationsExitWith2) {
  std::ofstream(dir_ / "bad-pf.toml") << "[prose_function]\nport = 1\n[discovery]\nmodel_a = false\nmodel_b = false\n";
  auto r = run(bin_ + " prose-function --config " + (dir_ / "bad-pf.toml").string());
  EXPECT_EQ(r.first, 2) << r.second;
  EXPECT_NE(r.second.find("bad configuration"), std::string::npos) << r.second;
  r = run(bin_ + " prose-function");
  EXPECT_EQ(r.first, 2) << r.second;
  std::ifstream in(dir_ / "pkmf.toml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir_ / "bad-pkmf.toml") << text << "\n[prose_function.pkmf]\nfqdn = \"not a name\"\n";
  r = run(bin_ + " pkmf --config " + (dir_ / "bad-pkmf.toml").string());
  EXPECT_EQ(r.first, 2) << r.second;
  EXPECT_NE(r.second.find("prose_function"), std::string::npos) << r.second;
  r = run(bin_ + " prose-function query --port " + std::to_string(pf_port_) + " --ca x --cert y --key z --rsc 12");
  EXPECT_EQ(r.first, 2) << r.second;
}

}  // namespace
}  // namespace prose

// The PKMF's HTTPS connections: the [connections] section of its configuration (admission control) and what its
// /metrics exposition says about connections, failed TLS handshakes and refused requests (issue 17, defect 6).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "prose/net/client.h"
#include "prose/net/pki.h"
#include "prose/pkmf/server.h"
#include "prose/util/random.h"

namespace prose::pkmf {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class PkmfConnections : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("prose-pkmf-conn-" + std::to_string(random_u64()));
    ExampleConfigOptions o;
    o.dir = dir_.string();
    o.port = 0;
    o.mikey_port = 0;
    o.hss_port.reset();
    auto path = write_example_config(o);
    ASSERT_TRUE(path.ok()) << path.error().to_string();
    path_ = *path;
    std::ifstream f(path_);
    std::stringstream ss;
    ss << f.rdbuf();
    text_ = ss.str();
  }
  void TearDown() override { fs::remove_all(dir_); }
  Result<PkmfConfig> load_with(const std::string& from, const std::string& to) {
    std::string t = text_;
    auto at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) t.replace(at, from.size(), to);
    std::ofstream(path_) << t;
    return load_config(path_);
  }
  net::HttpsClientConfig client(const std::string& cert_base) const {
    net::HttpsClientConfig c;
    c.tls.ca_file = (dir_ / "pki" / "ca.pem").string();
    if (!cert_base.empty()) {
      c.tls.cert_file = (dir_ / "pki" / (cert_base + ".pem")).string();
      c.tls.key_file = (dir_ / "pki" / (cert_base + ".key")).string();
    }
    c.tls.server_name = "pkmf.prose.test";
    c.tls.keylog_from_env = false;
    c.tls.session_resumption = false;
    return c;
  }
  fs::path dir_;
  std::string path_, text_;
};

TEST_F(PkmfConnections, TheSectionSetsTheAdmissionLimits) {
  auto ok = load_config(path_);
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  const net::HttpsServerConfig defaults;
  EXPECT_EQ(ok->https.max_connections, defaults.max_connections);
  EXPECT_EQ(ok->https.max_pending_handshakes, defaults.max_pending_handshakes);
  EXPECT_EQ(ok->https.max_pending_per_source, defaults.max_pending_per_source);
  EXPECT_EQ(ok->https.max_connections_per_source, defaults.max_connections_per_source);
  EXPECT_EQ(ok->https.handshake_timeout, defaults.handshake_timeout);

  auto set = load_with("max_pending_per_source = 256", "max_pending_per_source = 16");
  ASSERT_TRUE(set.ok()) << set.error().to_string();
  EXPECT_EQ(set->https.max_pending_per_source, 16u);
  auto timeout = load_with("handshake_timeout_ms = 3000", "handshake_timeout_ms = 1500");
  ASSERT_TRUE(timeout.ok());
  EXPECT_EQ(timeout->https.handshake_timeout, 1500ms);

  // Without the section (or a key of it) the defaults apply, lowered to the limit they must not exceed.
  auto start = text_.find("[connections]");
  auto end = text_.find("[tls]");
  ASSERT_NE(start, std::string::npos);
  std::string without = text_.substr(0, start) + text_.substr(end);
  std::ofstream(path_) << without;
  auto absent = load_config(path_);
  ASSERT_TRUE(absent.ok()) << absent.error().to_string();
  EXPECT_EQ(absent->https.max_pending_handshakes, defaults.max_pending_handshakes);
  std::ofstream(path_) << without << "\n[connections]\nmax_connections = 100\n";
  auto small = load_config(path_);
  ASSERT_TRUE(small.ok()) << small.error().to_string();
  EXPECT_EQ(small->https.max_connections, 100u);
  EXPECT_EQ(small->https.max_pending_handshakes, 100u);
  EXPECT_EQ(small->https.max_pending_per_source, 100u);
  EXPECT_EQ(small->https.max_connections_per_source, 100u);

  struct Case {
    const char* from;
    const char* to;
    const char* message;
  } cases[] = {
      {"max_connections = 10000", "max_connections = 0", "connections.max_connections: must be between 1 and"},
      {"max_pending_handshakes = 1000", "max_pending_handshakes = 10001",
       "connections.max_pending_handshakes: must be between 1 and 10000"},
      {"max_pending_per_source = 256", "max_pending_per_source = 1001",
       "connections.max_pending_per_source: must be between 1 and 1000"},
      {"max_connections_per_source = 2000", "max_connections_per_source = 0",
       "connections.max_connections_per_source: must be between 1 and 10000"},
      {"handshake_timeout_ms = 3000", "handshake_timeout_ms = 10", "connections.handshake_timeout_ms"},
      {"handshake_timeout_ms = 3000", "handshake_timeout_ms = \"3s\"", "connections.handshake_timeout_ms: wrong type"},
      {"handshake_timeout_ms = 3000", "handshake_timout_ms = 3000", "connections.handshake_timout_ms: unknown key"},
  };
  for (const auto& c : cases) {
    auto bad = load_with(c.from, c.to);
    ASSERT_FALSE(bad.ok()) << c.to;
    EXPECT_EQ(bad.error().code, Errc::kInvalidArgument);
    EXPECT_NE(bad.error().message.find(c.message), std::string::npos) << c.to << ": " << bad.error().message;
  }
}

// A real PKMF over real TLS: clients with no certificate, an expired one, one from a foreign CA, a 413, and an idle
// connection over the per-source cap all show in /metrics with their reason.
TEST_F(PkmfConnections, MetricsCountFailedHandshakesRefusedConnectionsAndHttpErrors) {
  // An expired UE certificate from the PKMF's CA, and one from another CA.
  auto ca = net::pki::load_credential((dir_ / "pki" / "ca.pem").string(), (dir_ / "pki" / "ca.key").string());
  ASSERT_TRUE(ca.ok());
  auto ue = net::PeerIdentity::ue("001010000000001");
  auto expired = net::pki::issue_expired_identity(*ca, *ue);
  auto other_ca = net::pki::make_ca("Other CA", 30);
  auto foreign = net::pki::issue_identity(*other_ca, *ue, 30);
  ASSERT_TRUE(expired.ok() && foreign.ok());
  ASSERT_TRUE(net::pki::write_credential((dir_ / "pki").string(), "expired", *expired).ok());
  ASSERT_TRUE(net::pki::write_credential((dir_ / "pki").string(), "foreign", *foreign).ok());

  auto cfg = load_with("max_pending_per_source = 256", "max_pending_per_source = 1");
  ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
  // The idle connection must still be pending when the exposition is read, however slow a loaded machine is.
  cfg->https.handshake_timeout = std::chrono::minutes(10);
  PkmfServer server(std::move(*cfg));
  ASSERT_TRUE(server.start().ok());
  // A client sees its handshake fail before the server has closed its side, and until then the connection counts
  // against max_pending_per_source = 1: the next connection from 127.0.0.1 waits for that.
  auto no_handshake_pending = [&] {
    for (int i = 0; i < 3000; ++i) {
      if (server.metrics().render().find("prose_pkmf_connections{state=\"handshake\"} 0\n") != std::string::npos)
        return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  };
  for (const char* base : {"", "expired", "foreign"}) {
    ASSERT_TRUE(no_handshake_pending()) << base;
    auto c = client(base);
    c.port = server.https_port();
    EXPECT_FALSE(net::HttpsClient::create(c).value()->post(kPc8Path, "text/plain", "x").ok()) << base;
  }
  ASSERT_TRUE(no_handshake_pending());
  {
    auto c = client("ue-001010000000001");
    c.port = server.https_port();
    auto r = net::HttpsClient::create(c).value()->post(kPc8Path, "text/plain", std::string(65 * 1024, 'x'));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->status, 413);
  }
  // Two idle connections from 127.0.0.10: the second is over max_pending_per_source.
  int fds[2];
  for (int& fd : fds) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in from{}, to{};
    from.sin_family = to.sin_family = AF_INET;
    from.sin_addr.s_addr = htonl(0x7f00000a);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(server.https_port());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from), 0);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
  }
  const std::vector<std::string> expected = {
      "prose_pkmf_tls_handshake_failures_total{reason=\"no_certificate\"} 1",
      "prose_pkmf_tls_handshake_failures_total{reason=\"expired\"} 1",
      "prose_pkmf_tls_handshake_failures_total{reason=\"unknown_ca\"} 1",
      "prose_pkmf_tls_handshake_failures_total{reason=\"protocol\"} 0",
      "prose_pkmf_connections_refused_total{cause=\"max_pending_per_source\"} 1",
      "prose_pkmf_connections_refused_total{cause=\"max_connections\"} 0",
      "prose_pkmf_connections{state=\"handshake\"} 1",
      "prose_pkmf_http_errors_total{status=\"413\"} 1",
      "prose_pkmf_http_read_timeouts_total 0",
  };
  std::string m;
  auto all_there = [&] {
    m = server.metrics().render();
    for (const auto& e : expected)
      if (m.find(e + "\n") == std::string::npos) return false;
    return true;
  };
  for (int i = 0; i < 3000 && !all_there(); ++i) std::this_thread::sleep_for(10ms);  // up to 30 s on a loaded machine
  for (const auto& e : expected) EXPECT_NE(m.find(e + "\n"), std::string::npos) << e << "\n" << m;
  for (int fd : fds) ::close(fd);
  server.stop();
  // Without a running server the exposition has no connection metrics.
  EXPECT_EQ(server.metrics().render().find("prose_pkmf_connections"), std::string::npos);
}

// The server's 400/413/431 add to the ones the handler answered.
TEST(PkmfMetrics, ServerHttpErrorsAddToTheHandlers) {
  Metrics m;
  m.http_error(400);
  net::ServerStats st;
  st.http_400 = 2;
  st.http_431 = 1;
  st.active_connections = 5;
  st.pending_handshakes = 2;
  st.refused[static_cast<std::size_t>(net::RefusalCause::kMaxConnections)] = 7;
  m.set_https_stats([st] { return st; });
  std::string r = m.render();
  EXPECT_NE(r.find("prose_pkmf_http_errors_total{status=\"400\"} 3\n"), std::string::npos) << r;
  EXPECT_NE(r.find("prose_pkmf_http_errors_total{status=\"431\"} 1\n"), std::string::npos) << r;
  EXPECT_EQ(r.find("status=\"413\""), std::string::npos) << r;
  EXPECT_NE(r.find("prose_pkmf_connections{state=\"established\"} 3\n"), std::string::npos) << r;
  EXPECT_NE(r.find("prose_pkmf_connections_refused_total{cause=\"max_connections\"} 7\n"), std::string::npos) << r;
  EXPECT_NE(r.find("# TYPE prose_pkmf_tls_handshake_failures_total counter\n"), std::string::npos) << r;
}

}  // namespace
}  // namespace prose::pkmf

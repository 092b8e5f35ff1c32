// The running PKMF server (issue 17): /metrics only for operator certificates or on the loopback plain-HTTP
// listener, the CRL reload, [pkmf] metrics_listen and [store] audit_retention_days in the configuration, and audit
// retention.
#include "prose/pkmf/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "prose/net/client.h"
#include "prose/net/pki.h"
#include "prose/pc8/codec.h"
#include "prose/pkmf/audit_retention.h"
#include "prose/util/random.h"

namespace prose::pkmf {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST(PkmfHttp, MetricsOnlyForOperators) {
  store::StorePool stores("sqlite::memory:", random_secret(32));
  Metrics metrics;
  PkmfService service(ServiceConfig{}, stores, metrics, nullptr, nullptr);
  net::HttpRequest get;
  get.method = "GET";
  get.target = std::string(kMetricsPath);
  auto ue = *net::PeerIdentity::ue("001010000000001");
  auto relay = *net::PeerIdentity::relay("r1");
  auto op = *net::PeerIdentity::operator_id("ops");
  for (const auto& peer : {ue, relay}) {
    auto r = handle_http(service, metrics, peer, get, 0);
    EXPECT_EQ(r.status, 403) << peer.to_string();
    EXPECT_EQ(r.body.find("prose_pkmf"), std::string::npos) << peer.to_string();
  }
  auto ok = handle_http(service, metrics, op, get, 0);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.content_type, "text/plain; version=0.0.4");
  EXPECT_NE(ok.body.find("prose_pkmf_http_errors_total{status=\"403\"} 2"), std::string::npos) << ok.body;
  net::HttpRequest post = get;
  post.method = "POST";
  EXPECT_EQ(handle_http(service, metrics, op, post, 0).status, 405);
  EXPECT_EQ(handle_http(service, metrics, ue, post, 0).status, 403);
}

// A store that cannot be reached (here: a SQLite file in a directory that does not exist; on PostgreSQL a server
// that is down or a standby) fails the request at once with HTTP 503 carrying the PC8 temporarily-unavailable code,
// and the store's state in /metrics says not connected.
TEST(PkmfHttp, AnUnreachableStoreIsHttp503WithThePc8Code) {
  store::StorePool stores("sqlite:/nonexistent-prose-dir/" + std::to_string(random_u64()) + "/pkmf.db",
                          random_secret(32));
  Metrics metrics;
  PkmfService service(ServiceConfig{}, stores, metrics, nullptr, nullptr);
  pc8::KdRequest kd;
  kd.transaction_id.value = 7;
  kd.remote_ue = ids::PrukId{0x0102030405060708ull};
  kd.relay_service_code.value = 0x00abcd;
  net::HttpRequest post;
  post.method = "POST";
  post.target = std::string(kPc8Path);
  post.content_type = std::string(pc8::kContentType);
  post.body = *pc8::Codec::encode(pc8::Request(kd));
  auto r = handle_http(service, metrics, *net::PeerIdentity::relay("r1"), post, 0);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.content_type, pc8::kContentType);
  EXPECT_EQ(r.header("Retry-After"), "1");
  EXPECT_TRUE(r.body.empty()) << "a PC8 response travels as a secret body";
  auto decoded = pc8::Codec::decode_response(r.body_text());
  ASSERT_TRUE(decoded.ok()) << r.body_text();
  const auto& kr = std::get<pc8::KdResponse>(*decoded);
  ASSERT_TRUE(std::holds_alternative<pc8::ErrorCode>(kr.outcome));
  EXPECT_EQ(std::get<pc8::ErrorCode>(kr.outcome), pc8::ErrorCode::kTemporarilyUnavailable);
  EXPECT_EQ(kr.transaction_id.value, 7u);
  EXPECT_FALSE(stores.health().connected);
}

// The PKMF from `prose pkmf example-config` on ephemeral ports.
class PkmfServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("prose-pkmf-server-" + std::to_string(random_u64()));
    ExampleConfigOptions o;
    o.dir = dir_.string();
    o.port = 0;
    o.mikey_port = 0;
    o.hss_port.reset();
    o.ue_imsis = {"001010000000001", "001010000000002"};
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
  std::unique_ptr<net::HttpsClient> client(std::uint16_t port, const std::string& base) {
    net::HttpsClientConfig c;
    c.port = port;
    c.tls.ca_file = (dir_ / "pki" / "ca.pem").string();
    c.tls.cert_file = (dir_ / "pki" / (base + ".pem")).string();
    c.tls.key_file = (dir_ / "pki" / (base + ".key")).string();
    c.tls.server_name = "pkmf.prose.test";
    c.tls.keylog_from_env = false;
    auto r = net::HttpsClient::create(c);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r.ok() ? std::move(*r) : nullptr;
  }

  fs::path dir_;
  std::string path_, text_;
};

// Raw HTTP over TCP to `addr`:`port`; the whole answer, or "" when the connection is refused.
std::string plain_get(const char* addr, std::uint16_t port, const std::string& target) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, addr, &a.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return "";
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

TEST_F(PkmfServerTest, ExampleConfigHasTheSafeDefaults) {
  auto cfg = load_config(path_);
  ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
  EXPECT_FALSE(cfg->metrics_listen.has_value());
  EXPECT_EQ(cfg->audit_retention_days, kDefaultAuditRetentionDays);
  EXPECT_EQ(cfg->https.tls.crl_file, (dir_ / "pki" / "crl.pem").string());
  EXPECT_TRUE(fs::exists(dir_ / "pki" / "operator-ops.pem"));
}

TEST_F(PkmfServerTest, MetricsOverHttpsForOperatorsOnlyAndOnTheConfiguredLoopbackListener) {
  // Bound to 127.0.0.2, not 127.0.0.1: the listener is where the configuration says.
  auto cfg = load_with("# metrics_listen = \"127.0.0.1:9464\"", "metrics_listen = \"127.0.0.2:0\"");
  ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
  ASSERT_TRUE(cfg->metrics_listen.has_value());
  EXPECT_EQ(cfg->metrics_listen->address, "127.0.0.2");
  PkmfServer server(std::move(*cfg));
  ASSERT_TRUE(server.start().ok());
  const std::uint16_t port = server.https_port();
  for (const char* who : {"ue-001010000000001", "relay-r1"}) {
    auto r = client(port, who)->get(kMetricsPath);
    ASSERT_TRUE(r.ok()) << who << ": " << r.error().to_string();
    EXPECT_EQ(r->status, 403) << who;
    EXPECT_EQ(r->body.find("prose_pkmf"), std::string::npos) << who;
  }
  auto op = client(port, "operator-ops")->get(kMetricsPath);
  ASSERT_TRUE(op.ok()) << op.error().to_string();
  EXPECT_EQ(op->status, 200);
  EXPECT_NE(op->body.find("prose_pkmf_http_errors_total{status=\"403\"} 2"), std::string::npos) << op->body;

  ASSERT_NE(server.metrics_port(), 0);
  std::string plain = plain_get("127.0.0.2", server.metrics_port(), "/metrics");
  EXPECT_EQ(plain.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << plain;
  EXPECT_NE(plain.find("prose_pkmf_http_errors_total{status=\"403\"} 2"), std::string::npos) << plain;
  EXPECT_EQ(plain_get("127.0.0.2", server.metrics_port(), "/prose/pc8").rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(plain_get("127.0.0.1", server.metrics_port(), "/metrics"), "");  // nothing listens there
  server.stop();
  EXPECT_EQ(plain_get("127.0.0.2", server.metrics_port(), "/metrics"), "");
}

TEST_F(PkmfServerTest, MetricsListenAndAuditRetentionAreChecked) {
  for (const char* bad : {"0.0.0.0:9464", "10.0.0.1:9464", "127.0.0.1", "localhost:9464", "127.0.0.1:70000"}) {
    auto r = load_with("# metrics_listen = \"127.0.0.1:9464\"", std::string("metrics_listen = \"") + bad + "\"");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("pkmf.metrics_listen: "), std::string::npos) << r.error().message;
  }
  auto keep = load_with("audit_retention_days = 365", "audit_retention_days = 0");
  ASSERT_TRUE(keep.ok()) << keep.error().to_string();
  EXPECT_EQ(keep->audit_retention_days, 0);
  for (const char* bad : {"-1", "3660001", "\"x\""}) {
    auto r = load_with("audit_retention_days = 365", std::string("audit_retention_days = ") + bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("store.audit_retention_days: "), std::string::npos) << r.error().message;
  }
  auto missing_crl = load_with("crl = \"pki/crl.pem\"", "crl = \"pki/none.pem\"");
  ASSERT_FALSE(missing_crl.ok());
  EXPECT_NE(missing_crl.error().message.find("tls.crl: no such file"), std::string::npos)
      << missing_crl.error().message;
}

TEST_F(PkmfServerTest, CrlReloadRefusesANewlyRevokedUe) {
  auto cfg = load_config(path_);
  ASSERT_TRUE(cfg.ok());
  PkmfServer server(std::move(*cfg));
  ASSERT_TRUE(server.start().ok());
  const std::uint16_t port = server.https_port();
  EXPECT_TRUE(client(port, "ue-001010000000002")->get("/prose/pc8").ok());
  ASSERT_TRUE(net::pki::update_crl((dir_ / "pki").string(), {{"001010000000002"}, {}, {}}, {}, 30).ok());
  auto info = server.reload_crl();
  ASSERT_TRUE(info.ok()) << info.error().to_string();
  EXPECT_EQ(info->revoked, 1u);
  EXPECT_FALSE(client(port, "ue-001010000000002")->get("/prose/pc8").ok());
  EXPECT_TRUE(client(port, "ue-001010000000001")->get("/prose/pc8").ok());
}

// ---------------------------------------------------------------------------------------------------------------
// Audit retention.

class AuditRetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("prose-pkmf-audit-" + std::to_string(random_u64()));
    fs::create_directories(dir_);
    stores_ = std::make_unique<store::StorePool>("sqlite:" + (dir_ / "pkmf.db").string(), random_secret(32));
  }
  void TearDown() override {
    stores_.reset();
    fs::remove_all(dir_);
  }
  void add(std::int64_t at, int n, const std::string& subject) {
    std::vector<store::AuditEntry> e;
    for (int i = 0; i < n; ++i) e.push_back({at, "relay-r1", "derive", "KD", std::to_string(i), subject});
    auto lease = stores_->acquire();
    ASSERT_TRUE(lease.ok());
    ASSERT_TRUE((*lease)->audit_many(e).ok());
  }
  std::size_t count(const std::string& subject) {
    auto lease = stores_->acquire();
    return (*lease)->audit_log(subject, 100000)->size();
  }
  fs::path dir_;
  std::unique_ptr<store::StorePool> stores_;
};

TEST_F(AuditRetentionTest, OnePassDeletesEverythingOlderThanTheRetentionInBatches) {
  const std::int64_t now = 1'800'000'000;
  add(now - 31 * 86400, 25, "old");
  add(now - 29 * 86400, 3, "recent");
  EXPECT_EQ(*prune_audit(*stores_, 0, now, 10), 0u);  // 0 days: keep forever
  EXPECT_EQ(count("old"), 25u);
  auto n = prune_audit(*stores_, 30, now, 10);  // batches of 10, 10, 5
  ASSERT_TRUE(n.ok()) << n.error().to_string();
  EXPECT_EQ(*n, 25u);
  EXPECT_EQ(count("old"), 0u);
  EXPECT_EQ(count("recent"), 3u);
}

TEST_F(AuditRetentionTest, TheThreadPrunesAtStartAndThenPeriodically) {
  const std::int64_t now = std::time(nullptr);
  add(now - 400 * 86400, 7, "old");
  add(now - 10 * 86400, 2, "recent");
  {
    AuditRetention none(*stores_, 0, 10ms);  // 0 days: no thread, nothing deleted
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(none.pruned(), 0u);
  }
  EXPECT_EQ(count("old"), 7u);
  AuditRetention retention(*stores_, 365, 50ms);
  for (int i = 0; i < 100 && retention.pruned() < 7; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(retention.pruned(), 7u);
  EXPECT_EQ(count("old"), 0u);
  // Entries that become old later go at the next pass.
  add(now - 366 * 86400, 4, "late");
  for (int i = 0; i < 100 && retention.pruned() < 11; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(retention.pruned(), 11u);
  EXPECT_EQ(count("late"), 0u);
  EXPECT_EQ(count("recent"), 2u);
}

}  // namespace
}  // namespace prose::pkmf

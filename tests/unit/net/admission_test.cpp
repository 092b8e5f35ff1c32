// Admission control of the HTTPS server (per-source caps, the pending-handshake budget and its eviction rule, the
// connection cap, the handshake deadline) and the counters of what it refused: failed handshakes by reason,
// refused connections by cause, 400/413/431 and read timeouts, and their rate-limited log lines. Idle connections
// come from 127.0.0.x addresses (x >= 10) so that per-source and global limits can be told apart; the good
// clients connect from 127.0.0.1.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <chrono>
#include <functional>
#include <memory>
#include <sstream>
#include <thread>

#include "prose/testbed/ports.h"
#include "test_util.h"

namespace prose::net {
namespace {

using namespace std::chrono_literals;
using test::client_config;
using test::echo;
using test::server_config;
using test::test_pki;

std::size_t at(RefusalCause c) { return static_cast<std::size_t>(c); }
std::size_t at(HandshakeFailure f) { return static_cast<std::size_t>(f); }

// A TCP connection to 127.0.0.1:port from 127.0.0.<source> that sends nothing (or what the test writes).
class RawConnection {
 public:
  RawConnection(int source, std::uint16_t port) : fd_(testbed::connect_from(source, port)) { connected_ = fd_ >= 0; }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  void send(std::string_view s) { (void)!::send(fd_, s.data(), s.size(), MSG_NOSIGNAL); }
  // True when the server closed the connection within `wait` (what it sent before is skipped).
  bool closed_by_server(std::chrono::milliseconds wait = 2000ms) {
    auto until = std::chrono::steady_clock::now() + wait;
    char buf[4096];
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return true;
    }
  }
  void close() {
    ::close(fd_);
    fd_ = -1;
  }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

// The first flight of a TLS client: a ClientHello.
std::string client_hello() {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  BIO* out = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl.get(), BIO_new(BIO_s_mem()), out);
  SSL_set_connect_state(ssl.get());
  SSL_do_handshake(ssl.get());
  char* data = nullptr;
  long n = BIO_get_mem_data(out, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

// The default logger's lines while it lives.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    spdlog::set_default_logger(
        std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

struct Running {
  std::unique_ptr<HttpsServer> server;
  std::uint16_t port = 0;
  ServerStats stats() const { return server->stats(); }
  // Waits (at most 5 s) until `done` holds for the server's counters.
  bool wait_for(const std::function<bool(const ServerStats&)>& done) const {
    for (int i = 0; i < 500; ++i) {
      if (done(stats())) return true;
      std::this_thread::sleep_for(10ms);
    }
    return done(stats());
  }
};

Running start(HttpsServerConfig cfg) {
  Running r;
  r.server = std::make_unique<HttpsServer>(std::move(cfg), echo);
  auto port = r.server->start();
  EXPECT_TRUE(port.ok()) << port.error().to_string();
  r.port = port.ok() ? *port : 0;
  return r;
}

// A good client (UE certificate, from 127.0.0.1) on a new connection with a full handshake.
Result<HttpResponse> good_request(std::uint16_t port) {
  auto cfg = client_config(port);
  cfg.tls.session_resumption = false;
  auto c = HttpsClient::create(cfg);
  if (!c.ok()) return c.error();
  return (*c)->post("/p", "text/plain", "x");
}

// Issue 17 defect 2: connections from one address beyond max_pending_per_source are closed right after accept;
// the ones admitted stay, and a client from elsewhere is served.
TEST(Admission, PerSourcePendingCapRefusesOnlyTheFloodingSource) {
  auto cfg = server_config();
  cfg.max_pending_per_source = 8;
  auto s = start(cfg);
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 20; ++i) idle.push_back(std::make_unique<RawConnection>(10, s.port));
  ASSERT_TRUE(
      s.wait_for([](const ServerStats& st) { return st.refused[at(RefusalCause::kMaxPendingPerSource)] == 12; }));
  EXPECT_EQ(s.stats().pending_handshakes, 8u);
  for (int i = 0; i < 8; ++i) EXPECT_FALSE(idle[i]->closed_by_server(50ms)) << "admitted connection " << i;
  for (int i = 8; i < 20; ++i) EXPECT_TRUE(idle[i]->closed_by_server()) << "refused connection " << i;
  auto r = good_request(s.port);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, 200);
  // Another address still has its own budget.
  RawConnection other(11, s.port);
  EXPECT_FALSE(other.closed_by_server(100ms));
  EXPECT_EQ(s.stats().connections_rejected, 12u);
}

// On a dual-stack listener IPv4 peers arrive as v4-mapped IPv6 addresses; each IPv4 address is still a source of
// its own (not one /64 for all of IPv4).
TEST(Admission, V4MappedPeersOfADualStackListenerAreSourcesOfTheirOwn) {
  auto cfg = server_config();
  cfg.bind_address = "::";
  cfg.max_pending_per_source = 2;
  HttpsServer server(cfg, echo);
  auto port = server.start();
  if (!port.ok()) GTEST_SKIP() << "no IPv6 here: " << port.error().to_string();
  RawConnection a1(10, *port), a2(10, *port), a3(10, *port), b1(11, *port), b2(11, *port);
  for (int i = 0; i < 500 && server.stats().pending_handshakes + server.stats().connections_rejected < 5; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(a3.closed_by_server());
  EXPECT_FALSE(b1.closed_by_server(50ms));
  EXPECT_FALSE(b2.closed_by_server(50ms));
  EXPECT_EQ(server.stats().refused[at(RefusalCause::kMaxPendingPerSource)], 1u);
  EXPECT_EQ(server.stats().pending_handshakes, 4u);
}

// At max_pending_handshakes a new connection takes the slot of the oldest handshake of the source with the most
// pending ones, unless its own source has as many: the flooding source gets nothing more, a newcomer gets in.
TEST(Admission, PendingBudgetEvictsFromTheLargestSourceAndRefusesItsNewConnections) {
  auto cfg = server_config();
  cfg.max_pending_handshakes = 6;
  auto s = start(cfg);
  std::vector<std::unique_ptr<RawConnection>> flood;
  for (int i = 0; i < 5; ++i) flood.push_back(std::make_unique<RawConnection>(10, s.port));
  RawConnection small(11, s.port);  // 127.0.0.11: one pending
  ASSERT_TRUE(s.wait_for([](const ServerStats& st) { return st.pending_handshakes == 6; }));

  RawConnection more(10, s.port);  // the largest source: refused, nobody evicted
  EXPECT_TRUE(more.closed_by_server());
  RawConnection newcomer(12, s.port);  // evicts the oldest of 127.0.0.10
  EXPECT_TRUE(flood[0]->closed_by_server());
  EXPECT_FALSE(newcomer.closed_by_server(100ms));
  EXPECT_FALSE(small.closed_by_server(50ms));
  for (int i = 1; i < 5; ++i) EXPECT_FALSE(flood[i]->closed_by_server(50ms)) << i;
  // A good client completes its handshake the same way (evicting 127.0.0.10's next oldest).
  auto r = good_request(s.port);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(flood[1]->closed_by_server());
  auto st = s.stats();
  EXPECT_EQ(st.refused[at(RefusalCause::kMaxPendingHandshakes)], 3u);
  EXPECT_EQ(st.refused[at(RefusalCause::kMaxPendingPerSource)], 0u);
  EXPECT_EQ(st.handshake_failures[at(HandshakeFailure::kClosed)], 0u) << "evictions are not failed handshakes";
}

// At max_connections, an authenticated client is never closed to make room: with no handshake pending the new
// connection is refused; with one pending, that one makes room.
TEST(Admission, ConnectionCapKeepsAuthenticatedConnections) {
  auto cfg = server_config();
  cfg.max_connections = 2;
  auto s = start(cfg);
  auto a = HttpsClient::create(client_config(s.port));
  auto b = HttpsClient::create(client_config(s.port));
  ASSERT_TRUE((*a)->post("/p", "text/plain", "a").ok());
  ASSERT_TRUE((*b)->post("/p", "text/plain", "b").ok());
  RawConnection refused(10, s.port);
  EXPECT_TRUE(refused.closed_by_server());
  EXPECT_EQ(s.stats().refused[at(RefusalCause::kMaxConnections)], 1u);
  (*b)->close();
  ASSERT_TRUE(s.wait_for([](const ServerStats& st) { return st.active_connections == 1; }));
  RawConnection pending(10, s.port);
  ASSERT_TRUE(s.wait_for([](const ServerStats& st) { return st.pending_handshakes == 1; }));
  auto r = good_request(s.port);  // takes the pending connection's place
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(pending.closed_by_server());
  EXPECT_EQ(s.stats().refused[at(RefusalCause::kMaxConnections)], 2u);
  // The first client kept its connection all along.
  ASSERT_TRUE((*a)->post("/p", "text/plain", "again").ok());
  EXPECT_EQ((*a)->stats().connections_opened, 1u);
}

TEST(Admission, PerSourceConnectionCapCountsEstablishedConnections) {
  auto cfg = server_config();
  cfg.max_connections_per_source = 2;
  auto s = start(cfg);
  auto a = HttpsClient::create(client_config(s.port));
  auto b = HttpsClient::create(client_config(s.port));
  ASSERT_TRUE((*a)->post("/p", "text/plain", "a").ok());
  ASSERT_TRUE((*b)->post("/p", "text/plain", "b").ok());
  EXPECT_FALSE(good_request(s.port).ok());
  EXPECT_EQ(s.stats().refused[at(RefusalCause::kMaxConnectionsPerSource)], 1u);
  RawConnection elsewhere(10, s.port);
  EXPECT_FALSE(elsewhere.closed_by_server(100ms));
  (*a)->close();
  ASSERT_TRUE(s.wait_for([](const ServerStats& st) { return st.active_connections == 2; }));
  EXPECT_TRUE(good_request(s.port).ok());
}

// The handshake deadline runs from accept: a silent connection, a partial ClientHello and a whole one that is never
// followed by the client's next flight are all closed and counted as timeouts.
TEST(Admission, HandshakeDeadlineClosesSilentAndStalledConnections) {
  LogCapture capture;
  auto cfg = server_config();
  cfg.handshake_timeout = 300ms;
  auto s = start(cfg);
  const std::string hello = client_hello();
  RawConnection silent(10, s.port), partial(10, s.port), stalled(10, s.port);
  partial.send(std::string_view(hello).substr(0, hello.size() / 2));
  stalled.send(hello);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(silent.closed_by_server(3s));
  EXPECT_TRUE(partial.closed_by_server(3s));
  EXPECT_TRUE(stalled.closed_by_server(3s));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 250ms);
  ASSERT_TRUE(
      s.wait_for([](const ServerStats& st) { return st.handshake_failures[at(HandshakeFailure::kTimeout)] == 3; }));
  EXPECT_EQ(s.stats().handshakes_failed, 3u);
  EXPECT_EQ(s.stats().pending_handshakes, 0u);
  EXPECT_NE(capture.text().find("TLS handshake from 127.0.0.10 failed: timeout (not finished 300 ms after accept)"),
            std::string::npos)
      << capture.text();
}

TEST(Admission, BadLimitsAreRefusedAtStart) {
  for (auto set : std::vector<std::function<void(HttpsServerConfig&)>>{
           [](HttpsServerConfig& c) { c.max_connections = 0; },
           [](HttpsServerConfig& c) { c.max_pending_handshakes = 0; },
           [](HttpsServerConfig& c) { c.max_pending_per_source = 0; },
           [](HttpsServerConfig& c) { c.max_connections_per_source = 0; },
           [](HttpsServerConfig& c) { c.handshake_timeout = 0ms; },
       }) {
    auto cfg = server_config();
    set(cfg);
    auto r = HttpsServer(cfg, echo).start();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  }
}

// Issue 17 defect 6: every reason a handshake fails is counted as such, in TLS 1.2 and 1.3.
TEST(HandshakeFailures, EachReasonIsCounted) {
  for (auto v : {TlsVersion::kTls12, TlsVersion::kTls13}) {
    auto cfg = server_config();
    cfg.handshake_timeout = 400ms;
    auto s = start(cfg);
    struct Case {
      std::string base;
      HandshakeFailure reason;
    } cases[] = {{"", HandshakeFailure::kNoCertificate},
                 {"expired", HandshakeFailure::kExpired},
                 {"other", HandshakeFailure::kUnknownCa},
                 {"noid", HandshakeFailure::kBadCertificate}};
    for (const auto& c : cases) {
      auto ccfg = client_config(s.port, c.base);
      ccfg.tls.max_version = v;
      ccfg.tls.min_version = v;
      auto client = HttpsClient::create(ccfg);
      ASSERT_TRUE(client.ok());
      EXPECT_FALSE((*client)->post("/p", "text/plain", "x").ok()) << c.base;
      ASSERT_TRUE(s.wait_for([&](const ServerStats& st) { return st.handshake_failures[at(c.reason)] == 1; }))
          << "client certificate '" << c.base << "' should count as " << handshake_failure_name(c.reason);
    }
    {
      RawConnection plain(10, s.port);  // plain HTTP on the TLS port
      plain.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      EXPECT_TRUE(plain.closed_by_server());
    }
    {
      RawConnection gone(10, s.port);  // closes before finishing its ClientHello
      gone.send(client_hello().substr(0, 20));
      std::this_thread::sleep_for(50ms);
      gone.close();
    }
    RawConnection silent(10, s.port);
    ASSERT_TRUE(s.wait_for([](const ServerStats& st) {
      return st.handshake_failures[at(HandshakeFailure::kProtocol)] == 1 &&
             st.handshake_failures[at(HandshakeFailure::kClosed)] == 1 &&
             st.handshake_failures[at(HandshakeFailure::kTimeout)] == 1;
    }));
    auto st = s.stats();
    EXPECT_EQ(st.handshakes_failed, 7u);
    EXPECT_EQ(st.handshake_failures[at(HandshakeFailure::kRevoked)], 0u);
    EXPECT_EQ(st.connections_rejected, 0u);
    EXPECT_TRUE(good_request(s.port).ok()) << "a good client is still served";
    EXPECT_EQ(s.stats().handshakes_failed, 7u);
  }
}

// A mutual-TLS connection from 127.0.0.1 with the UE certificate that writes and reads raw octets.
class RawTls {
 public:
  explicit RawTls(std::uint16_t port) : conn_(1, port) {
    const auto& p = test_pki();
    ctx_.reset(SSL_CTX_new(TLS_client_method()));
    SSL_CTX_use_certificate_chain_file(ctx_.get(), p.path(std::string("ue-") + test::kImsi + ".pem").c_str());
    SSL_CTX_use_PrivateKey_file(ctx_.get(), p.path(std::string("ue-") + test::kImsi + ".key").c_str(),
                                SSL_FILETYPE_PEM);
    ssl_.reset(SSL_new(ctx_.get()));
    SSL_set_fd(ssl_.get(), conn_.fd());
    ok_ = conn_.connected() && SSL_connect(ssl_.get()) == 1;
  }
  bool ok() const { return ok_; }
  void write(std::string_view s) { SSL_write(ssl_.get(), s.data(), static_cast<int>(s.size())); }
  // Everything until the server closes (or 3 s pass).
  std::string read_all() {
    timeval tv{3, 0};
    ::setsockopt(conn_.fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string out;
    char buf[4096];
    int n;
    while ((n = SSL_read(ssl_.get(), buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    return out;
  }

 private:
  RawConnection conn_;
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx_{nullptr, SSL_CTX_free};
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl_{nullptr, SSL_free};
  bool ok_ = false;
};

// 400 / 413 / 431 and read timeouts are counted apart.
TEST(HttpErrors, EachKindIsCounted) {
  auto cfg = server_config();
  cfg.max_body_bytes = 64;
  cfg.max_header_bytes = 512;
  cfg.read_timeout = 300ms;
  auto s = start(cfg);
  auto c = HttpsClient::create(client_config(s.port));
  EXPECT_EQ((*c)->post("/p", "text/plain", std::string(65, 'b'))->status, 413);
  HttpRequest big;
  big.target = "/p";
  big.headers.emplace_back("X-Big", std::string(600, 'h'));
  EXPECT_EQ((*c)->request(big)->status, 431);
  {
    RawTls malformed(s.port);
    ASSERT_TRUE(malformed.ok());
    malformed.write("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 12x\r\n\r\n");
    EXPECT_EQ(malformed.read_all().substr(0, 12), "HTTP/1.1 400");
  }
  {
    RawTls slow(s.port);  // a body that never comes
    ASSERT_TRUE(slow.ok());
    slow.write("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    EXPECT_EQ(slow.read_all(), "");
  }
  {
    RawTls silent(s.port);  // authenticated, and no request at all
    ASSERT_TRUE(silent.ok());
    EXPECT_EQ(silent.read_all(), "");
  }
  ASSERT_TRUE(s.wait_for([](const ServerStats& st) { return st.read_timeouts == 2; }));
  auto st = s.stats();
  EXPECT_EQ(st.http_413, 1u);
  EXPECT_EQ(st.http_431, 1u);
  EXPECT_EQ(st.http_400, 1u);
  EXPECT_EQ(st.bad_requests, 5u);
  // A keep-alive connection that goes quiet after a request is no error.
  auto idle_cfg = server_config();
  idle_cfg.idle_timeout = 200ms;
  auto s2 = start(idle_cfg);
  auto idle = HttpsClient::create(client_config(s2.port));
  ASSERT_TRUE((*idle)->post("/p", "text/plain", "x").ok());
  ASSERT_TRUE(s2.wait_for([](const ServerStats& st) { return st.active_connections == 0; }));
  EXPECT_EQ(s2.stats().read_timeouts, 0u);
}

// The log says what was refused and why, at most one line a second per kind, with the number not logged.
TEST(AdmissionLog, RefusalsAndFailuresAreLoggedRateLimited) {
  LogCapture capture;
  {
    auto cfg = server_config();
    cfg.max_pending_per_source = 1;
    auto s = start(cfg);
    RawConnection first(10, s.port);
    std::vector<std::unique_ptr<RawConnection>> refused;
    for (int i = 0; i < 30; ++i) refused.push_back(std::make_unique<RawConnection>(10, s.port));
    ASSERT_TRUE(s.wait_for([](const ServerStats& st) { return st.connections_rejected == 30; }));
    // Failed handshakes on a server of their own: with one pending handshake per source, a client's next
    // connection could otherwise be refused while its last one is still pending, and count as a refusal here.
    auto s2 = start(server_config());
    auto expired = client_config(s2.port, "expired");
    for (int i = 0; i < 3; ++i) EXPECT_FALSE(HttpsClient::create(expired).value()->get("/p").ok());
    ASSERT_TRUE(s2.wait_for([](const ServerStats& st) { return st.handshakes_failed == 3; }));
    std::this_thread::sleep_for(1100ms);
    RawConnection late(10, s.port);
    ASSERT_TRUE(s.wait_for([](const ServerStats& st) { return st.connections_rejected == 31; }));
  }
  std::string log = capture.text();
  auto count = [&log](const std::string& what) {
    std::size_t n = 0;
    for (auto p = log.find(what); p != std::string::npos; p = log.find(what, p + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("refused (max_pending_per_source)"), 2u) << log;
  EXPECT_NE(log.find("127.0.0.10 refused (max_pending_per_source); 29 more refused connections not logged"),
            std::string::npos)
      << log;
  EXPECT_EQ(count("TLS handshake from 127.0.0.1 failed: expired"), 1u) << log;
}

}  // namespace
}  // namespace prose::net

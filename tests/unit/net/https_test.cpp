// Server and client over real TLS on loopback.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "test_util.h"

namespace prose::net {
namespace {

using namespace std::chrono_literals;
using test::client_config;
using test::echo;
using test::server_config;
using test::test_pki;

struct Running {
  std::unique_ptr<HttpsServer> server;
  std::uint16_t port = 0;
};

Running start(HttpsServerConfig cfg, HttpsServer::Handler h = echo) {
  Running r;
  r.server = std::make_unique<HttpsServer>(std::move(cfg), std::move(h));
  auto port = r.server->start();
  EXPECT_TRUE(port.ok()) << port.error().to_string();
  r.port = port.ok() ? *port : 0;
  return r;
}

std::unique_ptr<HttpsClient> client(HttpsClientConfig cfg) {
  auto c = HttpsClient::create(std::move(cfg));
  EXPECT_TRUE(c.ok()) << c.error().to_string();
  return c.ok() ? std::move(c).value() : nullptr;
}

TEST(Https, UeIdentityFromCertificateReachesHandler) {
  auto s = start(server_config());
  auto c = client(client_config(s.port));
  auto r = c->post("/prose/pc8", "application/vnd.3gpp.prose-pc8+xml", "<KEY_REQUEST><IMSI>999</IMSI></KEY_REQUEST>");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, 200);
  // The identity is the certificate's, whatever the body says.
  EXPECT_EQ(r->body,
            "ue 001010000000001 POST /prose/pc8 application/vnd.3gpp.prose-pc8+xml "
            "<KEY_REQUEST><IMSI>999</IMSI></KEY_REQUEST>");
  EXPECT_EQ(r->content_type, "text/plain");
}

// Issue 17 defect 4: the PKMF sends MIKEY to the TLS peer's address, so the handler must know it. An IPv4 client of a
// dual-stack listener shows as IPv4, not as ::ffff:127.0.0.1.
TEST(Https, TheHandlerSeesTheRemoteAddress) {
  auto remote = [](const PeerIdentity&, const HttpRequest& req) {
    return make_response(200, "text/plain", req.remote_address);
  };
  const int v6 = ::socket(AF_INET6, SOCK_STREAM, 0);
  const bool have_v6 = v6 >= 0;
  if (have_v6) ::close(v6);
  for (const char* bind : {"127.0.0.1", "::"}) {
    if (std::string(bind) == "::" && !have_v6) continue;
    auto cfg = server_config();
    cfg.bind_address = bind;
    auto s = start(cfg, remote);
    auto c = client(client_config(s.port));
    auto r = c->post("/prose/pc8", "text/plain", "x");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->body, "127.0.0.1") << "listening on " << bind;
  }
}

TEST(Https, RelayIdentity) {
  auto s = start(server_config());
  auto c = client(client_config(s.port, std::string("relay-") + test::kRelay));
  auto r = c->post("/prose/pc8", "text/plain", "x");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->body.substr(0, 14), "relay relay-1 ");
}

TEST(Https, BothTlsVersions) {
  for (auto v : {TlsVersion::kTls12, TlsVersion::kTls13}) {
    auto s = start(server_config());
    auto cfg = client_config(s.port);
    cfg.tls.min_version = cfg.tls.max_version = v;
    auto c = client(cfg);
    auto r = c->post("/p", "text/plain", "x");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(c->last_connection().version, v == TlsVersion::kTls12 ? "TLSv1.2" : "TLSv1.3");
  }
}

TEST(Https, KeepAliveReusesOneConnection) {
  auto s = start(server_config());
  auto c = client(client_config(s.port));
  for (int i = 0; i < 5; ++i) {
    auto r = c->post("/p", "text/plain", std::to_string(i));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
  }
  EXPECT_EQ(c->stats().connections_opened, 1u);
  EXPECT_EQ(c->stats().requests, 5u);
  EXPECT_EQ(s.server->stats().connections_accepted, 1u);
  EXPECT_EQ(s.server->stats().requests, 5u);
}

TEST(Https, SessionResumedOnReconnect) {
  for (auto v : {TlsVersion::kTls12, TlsVersion::kTls13}) {
    auto s = start(server_config());
    auto cfg = client_config(s.port);
    cfg.tls.max_version = v;
    auto c = client(cfg);
    ASSERT_TRUE(c->post("/p", "text/plain", "1").ok());
    EXPECT_FALSE(c->last_connection().session_reused);
    c->close();
    auto r = c->post("/p", "text/plain", "2");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_TRUE(c->last_connection().session_reused) << "TLS max " << static_cast<int>(v);
    // The resumed connection still carries the certificate's identity.
    EXPECT_EQ(r->body.substr(0, 19), "ue 001010000000001 ");
    EXPECT_EQ(c->stats().connections_opened, 2u);
    EXPECT_EQ(c->stats().sessions_resumed, 1u);
    EXPECT_EQ(s.server->stats().sessions_resumed, 1u);
    // Without a cached session: a full handshake.
    c->close();
    c->forget_session();
    ASSERT_TRUE(c->post("/p", "text/plain", "3").ok());
    EXPECT_FALSE(c->last_connection().session_reused);
  }
}

TEST(Https, ServerNameAndChainAreVerified) {
  auto s = start(server_config());
  {
    auto cfg = client_config(s.port);
    cfg.tls.server_name = "";  // connect by IP: the certificate carries IP 127.0.0.1
    ASSERT_TRUE(client(cfg)->post("/p", "text/plain", "x").ok());
  }
  {
    auto cfg = client_config(s.port);
    cfg.tls.server_name = "evil.prose.test";
    auto r = client(cfg)->post("/p", "text/plain", "x");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::kIo);
    EXPECT_NE(r.error().message.find("TLS handshake"), std::string::npos) << r.error().message;
  }
  {
    auto cfg = client_config(s.port);
    cfg.tls.ca_file = test_pki().path("other-ca.pem");
    EXPECT_FALSE(client(cfg)->post("/p", "text/plain", "x").ok());
  }
}

// A client without a certificate, with an expired one, from another CA, or without an identity URI is refused
// in the handshake: the handler never runs.
TEST(Https, BadClientCertificatesAreRefusedInTheHandshake) {
  for (auto v : {TlsVersion::kTls12, TlsVersion::kTls13}) {
    std::atomic<int> calls{0};
    auto s = start(server_config(), [&calls](const PeerIdentity& p, const HttpRequest& r) {
      ++calls;
      return echo(p, r);
    });
    int failed = 0;
    for (std::string base : {"", "expired", "other", "noid"}) {
      auto cfg = client_config(s.port, base);
      cfg.tls.max_version = v;
      auto r = client(cfg)->post("/p", "text/plain", "x");
      EXPECT_FALSE(r.ok()) << "client cert '" << base << "'";
      if (!r.ok()) ++failed;
    }
    EXPECT_EQ(failed, 4);
    EXPECT_EQ(calls.load(), 0);
    // The server counts them as failed handshakes (TLS 1.3: the client learns it from an alert after its Finished).
    for (int i = 0; i < 100 && s.server->stats().handshakes_failed < 4; ++i) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(s.server->stats().handshakes_failed, 4u);
    EXPECT_EQ(s.server->stats().requests, 0u);
  }
}

TEST(Https, BodyTooLargeIs413AndHeaderTooLargeIs431) {
  auto cfg = server_config();
  cfg.max_body_bytes = 1024;
  cfg.max_header_bytes = 2048;
  auto s = start(cfg);
  auto c = client(client_config(s.port));
  auto ok = c->post("/p", "text/plain", std::string(1024, 'a'));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200);
  auto big = c->post("/p", "text/plain", std::string(1025, 'a'));
  ASSERT_TRUE(big.ok()) << big.error().to_string();
  EXPECT_EQ(big->status, 413);
  HttpRequest req;
  req.target = "/p";
  req.headers.emplace_back("X-Big", std::string(3000, 'h'));
  auto hdr = c->request(req);
  ASSERT_TRUE(hdr.ok()) << hdr.error().to_string();
  EXPECT_EQ(hdr->status, 431);
  // The connection was closed after each error response; the client reconnects.
  auto again = c->post("/p", "text/plain", "fine");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 200);
  EXPECT_GE(s.server->stats().bad_requests, 2u);
}

// RFC 9112 6.1: without chunked as the final coding the length is unreliable; the server must refuse, not fall back to
// Content-Length (a proxy in front could frame the body otherwise and smuggle a request past it).
TEST(Https, TransferEncodingNotEndingInChunkedIs400) {
  auto s = start(server_config());
  const auto& p = test_pki();
  for (const char* te : {"gzip", "chunked, gzip"}) {
    std::string req = std::string("POST /p HTTP/1.1\\r\\nHost: pkmf\\r\\nTransfer-Encoding: ") + te +
                      "\\r\\nContent-Length: 4\\r\\nConnection: close\\r\\n\\r\\nbody";
    auto [rc, out] = test::run_shell(
        "printf '" + req + "' | timeout 20 openssl s_client -connect 127.0.0.1:" + std::to_string(s.port) + " -cert " +
        p.path("ue-" + std::string(test::kImsi) + ".pem") + " -key " +
        p.path("ue-" + std::string(test::kImsi) + ".key") + " -CAfile " + p.path("ca.pem") + " -quiet -ign_eof");
    EXPECT_NE(out.find("HTTP/1.1 400"), std::string::npos) << te << "\n" << out;
    EXPECT_EQ(out.find("HTTP/1.1 200"), std::string::npos) << te << "\n" << out;
  }
  EXPECT_EQ(s.server->stats().requests, 0u) << "the handler saw a request";
  EXPECT_GE(s.server->stats().bad_requests, 2u);
}

TEST(Https, ExpectContinueIsAnswered) {
  auto s = start(server_config());
  auto c = client(client_config(s.port));
  HttpRequest req;
  req.target = "/p";
  req.headers.emplace_back("Expect", "100-continue");
  req.body = "body";
  auto r = c->request(req);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, 200);  // the interim 100 Continue is skipped
  EXPECT_EQ(r->body.substr(r->body.size() - 4), "body");
  EXPECT_EQ(c->post("/p", "text/plain", "next")->status, 200);  // the connection is still in step
  EXPECT_EQ(c->stats().connections_opened, 1u);
}

TEST(Https, HandshakeTimeoutClosesSilentConnections) {
  auto cfg = server_config();
  cfg.handshake_timeout = 300ms;
  auto s = start(cfg);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(s.port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  auto t0 = std::chrono::steady_clock::now();
  char buf[16];
  ssize_t n = recv(fd, buf, sizeof buf, 0);
  auto dt = std::chrono::steady_clock::now() - t0;
  close(fd);
  EXPECT_LE(n, 0);
  EXPECT_GE(dt, 250ms);
  EXPECT_LT(dt, 3s);
}

TEST(Https, IdleKeepAliveTimeoutAndTransparentReconnect) {
  auto cfg = server_config();
  cfg.idle_timeout = 200ms;
  auto s = start(cfg);
  auto c = client(client_config(s.port));
  ASSERT_TRUE(c->post("/p", "text/plain", "1").ok());
  // The server closes the idle connection (an event, not a fixed sleep: its count of open connections drops to 0).
  for (int i = 0; i < 500 && s.server->stats().active_connections != 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(s.server->stats().active_connections, 0u) << "the idle connection was not closed by the server";
  auto r = c->post("/p", "text/plain", "2");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(c->stats().connections_opened, 2u);
  EXPECT_TRUE(c->last_connection().session_reused);
}

TEST(Https, ClientRequestTimeout) {
  auto s = start(server_config(), [](const PeerIdentity& p, const HttpRequest& r) {
    std::this_thread::sleep_for(1500ms);
    return echo(p, r);
  });
  auto cfg = client_config(s.port);
  cfg.request_timeout = 300ms;
  auto c = client(cfg);
  auto t0 = std::chrono::steady_clock::now();
  auto r = c->post("/p", "text/plain", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1200ms);
}

TEST(Https, AsyncHandlerAnswersFromAnotherThread) {
  std::vector<std::thread> workers;
  std::mutex m;
  HttpsServer server(server_config(), HttpsServer::AsyncHandler(
                                          [&](const PeerIdentity& p, HttpRequest r, HttpsServer::Responder respond) {
                                            std::lock_guard lock(m);
                                            workers.emplace_back([p, r = std::move(r), respond = std::move(respond)] {
                                              std::this_thread::sleep_for(20ms);
                                              respond(echo(p, r));
                                              respond(make_error_response(500, "second answer ignored"));
                                            });
                                          }));
  auto port = server.start();
  ASSERT_TRUE(port.ok());
  auto c = client(client_config(*port));
  for (int i = 0; i < 3; ++i) {
    auto r = c->post("/p", "text/plain", "a");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ(c->stats().connections_opened, 1u);
  server.stop();
  for (auto& t : workers) t.join();
}

TEST(Https, GracefulShutdownFinishesInFlightRequests) {
  std::promise<void> entered;
  auto s = start(server_config(), [&entered](const PeerIdentity& p, const HttpRequest& r) {
    entered.set_value();
    std::this_thread::sleep_for(400ms);
    return echo(p, r);
  });
  auto busy = client(client_config(s.port));
  auto idle = client(client_config(s.port));
  auto fut = std::async(std::launch::async, [&] { return busy->post("/p", "text/plain", "inflight"); });
  entered.get_future().wait();
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(s.server->stop());
  auto dt = std::chrono::steady_clock::now() - t0;
  auto r = fut.get();
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_LT(dt, 3s);
  // Nothing accepts any more.
  auto after = idle->post("/p", "text/plain", "late");
  EXPECT_FALSE(after.ok());
}

TEST(Https, StopClosesIdleKeepAliveConnectionsQuickly) {
  auto cfg = server_config();
  cfg.idle_timeout = 30s;
  cfg.shutdown_timeout = 5s;
  auto s = start(cfg);
  auto c = client(client_config(s.port));
  ASSERT_TRUE(c->post("/p", "text/plain", "1").ok());
  EXPECT_EQ(s.server->stats().active_connections, 1u);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(s.server->stop());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_EQ(s.server->stats().active_connections, 0u);
}

TEST(Https, KeyLogFileInNssFormat) {
  std::string dir = test::make_temp_dir();
  auto s = start(server_config());
  for (auto v : {TlsVersion::kTls12, TlsVersion::kTls13}) {
    auto cfg = client_config(s.port);
    cfg.tls.max_version = v;
    cfg.tls.session_resumption = false;
    cfg.tls.keylog_file = dir + "/keys.log";
    ASSERT_TRUE(client(cfg)->post("/p", "text/plain", "x").ok());
  }
  std::ifstream in(dir + "/keys.log");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string log = ss.str();
  EXPECT_NE(log.find("CLIENT_RANDOM "), std::string::npos);                    // TLS 1.2
  EXPECT_NE(log.find("CLIENT_HANDSHAKE_TRAFFIC_SECRET "), std::string::npos);  // TLS 1.3
  EXPECT_NE(log.find("CLIENT_TRAFFIC_SECRET_0 "), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(Https, ConfigErrorsAreReported) {
  auto cfg = server_config();
  cfg.tls.cert_file = "/nonexistent.pem";
  HttpsServer s(cfg, echo);
  auto r = s.start();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/nonexistent.pem"), std::string::npos);
  auto cfg2 = server_config();
  cfg2.tls.key_file = test_pki().path("ca.key");  // does not match pkmf.pem
  EXPECT_FALSE(HttpsServer(cfg2, echo).start().ok());
  auto cc = client_config(1);
  cc.tls.key_file = test_pki().path("pkmf.key");
  EXPECT_FALSE(HttpsClient::create(cc).ok());
  auto cfg3 = server_config();
  cfg3.bind_address = "not-an-ip";
  EXPECT_FALSE(HttpsServer(cfg3, echo).start().ok());
}

TEST(Https, ClientRejectsBadRequests) {
  auto s = start(server_config());
  auto c = client(client_config(s.port));
  HttpRequest r;
  r.target = "no-slash";
  EXPECT_EQ(c->request(r).error().code, Errc::kInvalidArgument);
  r.target = "/ok";
  r.method = "FROB NICATE";
  EXPECT_EQ(c->request(r).error().code, Errc::kInvalidArgument);
  r.method = "POST";
  r.headers.emplace_back("X-Inject", "a\r\nX-Evil: 1");
  EXPECT_EQ(c->request(r).error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace prose::net

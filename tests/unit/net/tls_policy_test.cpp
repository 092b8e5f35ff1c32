// Issue 17, defect 11: key exchange groups (X25519, P-256, P-384 only) on server and client contexts, over real
// TLS on loopback. The peer on the other side is plain OpenSSL, independent of the net module.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "test_util.h"

namespace prose::net {
namespace {

using namespace std::chrono_literals;
using test::echo;

int connect_loopback(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

struct RawResult {
  bool http_ok = false;  // handshake done and an HTTP 200 read back
  std::string group;     // the negotiated key exchange group (OpenSSL name)
};

// A plain OpenSSL client: offers only `groups`, presents the UE certificate, sends one GET.
RawResult raw_client(std::uint16_t port, const char* groups, int version) {
  const auto& p = test::test_pki();
  RawResult out;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx, version);
  SSL_CTX_set_max_proto_version(ctx, version);
  EXPECT_EQ(SSL_CTX_set1_groups_list(ctx, groups), 1) << groups;
  SSL_CTX_load_verify_locations(ctx, p.path("ca.pem").c_str(), nullptr);
  SSL_CTX_use_certificate_file(ctx, p.path(std::string("ue-") + test::kImsi + ".pem").c_str(), SSL_FILETYPE_PEM);
  SSL_CTX_use_PrivateKey_file(ctx, p.path(std::string("ue-") + test::kImsi + ".key").c_str(), SSL_FILETYPE_PEM);
  int fd = connect_loopback(port);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  if (SSL_connect(ssl) == 1) {
    if (const char* g = SSL_group_to_name(ssl, SSL_get_negotiated_group(ssl)); g != nullptr) out.group = g;
    const char req[] = "GET /p HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    std::string resp;
    if (SSL_write(ssl, req, sizeof req - 1) > 0) {
      char buf[1024];
      int n;
      while ((n = SSL_read(ssl, buf, sizeof buf)) > 0) resp.append(buf, static_cast<std::size_t>(n));
    }
    out.http_ok = resp.rfind("HTTP/1.1 200", 0) == 0;
  }
  ERR_clear_error();
  SSL_free(ssl);
  ::close(fd);
  SSL_CTX_free(ctx);
  return out;
}

TEST(TlsGroups, ServerRefusesFiniteFieldGroupsAndAcceptsX25519P256P384) {
  HttpsServer server(test::server_config(), echo);
  auto port = server.start();
  ASSERT_TRUE(port.ok()) << port.error().to_string();
  for (int v : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    // Before issue 17 a TLS 1.3 client offering only ffdhe2048 was served with it. (TLS 1.2 has no DHE suites
    // here, so it failed before too.)
    EXPECT_FALSE(raw_client(*port, "ffdhe2048", v).http_ok) << "TLS version " << v;
    EXPECT_FALSE(raw_client(*port, "ffdhe3072:ffdhe4096", v).http_ok) << "TLS version " << v;
    EXPECT_FALSE(raw_client(*port, "P-521", v).http_ok) << "TLS version " << v;
  }
  // TLS 1.3: each group alone. TLS 1.2: the client must also list P-256, the curve of the server's ECDSA
  // certificate (RFC 8422 5.1), and the server picks by its own preference (X25519, then P-256).
  struct Case {
    int version;
    const char* offer;
    const char* used;
  };
  for (const Case& c :
       {Case{TLS1_3_VERSION, "X25519", "x25519"}, Case{TLS1_3_VERSION, "P-256", "secp256r1"},
        Case{TLS1_3_VERSION, "P-384", "secp384r1"}, Case{TLS1_2_VERSION, "X25519:P-256", "x25519"},
        Case{TLS1_2_VERSION, "P-256", "secp256r1"}, Case{TLS1_3_VERSION, "ffdhe2048:P-384", "secp384r1"}}) {
    auto r = raw_client(*port, c.offer, c.version);
    EXPECT_TRUE(r.http_ok) << c.offer << " TLS version " << c.version;
    EXPECT_EQ(r.group, c.used) << c.offer << " TLS version " << c.version;
  }
}

// A plain OpenSSL server that records the supported_groups extension of one ClientHello and ends the handshake.
class ClientHelloRecorder {
 public:
  ClientHelloRecorder() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 4);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~ClientHelloRecorder() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }
  std::vector<int> groups() {
    thread_.join();
    thread_ = std::thread([] {});
    return groups_;
  }

 private:
  static int hello_cb(SSL* ssl, int* alert, void* arg) {
    auto* self = static_cast<ClientHelloRecorder*>(arg);
    const unsigned char* ext = nullptr;
    std::size_t len = 0;
    if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_supported_groups, &ext, &len) == 1 && len >= 2) {
      for (std::size_t i = 2; i + 1 < len; i += 2) self->groups_.push_back((ext[i] << 8) | ext[i + 1]);
    }
    *alert = SSL_AD_HANDSHAKE_FAILURE;
    return SSL_CLIENT_HELLO_ERROR;
  }
  void run() {
    int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_client_hello_cb(ctx, hello_cb, this);
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, c);
    SSL_accept(ssl);
    ERR_clear_error();
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    ::close(c);
  }
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::vector<int> groups_;
  std::thread thread_;
};

TEST(TlsGroups, ClientOffersOnlyX25519P256P384) {
  for (bool psk : {false, true}) {
    ClientHelloRecorder rec;
    auto cfg = test::client_config(rec.port());
    if (psk) {
      cfg.tls = TlsClientSettings{};
      cfg.tls.keylog_from_env = false;
      cfg.tls.psk = [](std::string_view) {
        return std::optional<PskClientCredential>(
            PskClientCredential{"btid", SecretBytes(ByteView(std::vector<std::uint8_t>(32, 1)))});
      };
    }
    auto c = HttpsClient::create(cfg);
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_FALSE((*c)->get("/p").ok());
    // IANA TLS Supported Groups: x25519 = 29, secp256r1 = 23, secp384r1 = 24 (RFC 8446 4.2.7).
    EXPECT_EQ(rec.groups(), (std::vector<int>{29, 23, 24})) << "psk " << psk;
  }
}

}  // namespace
}  // namespace prose::net

// Issue 17, defect 11: key exchange groups (X25519, P-256, P-384 only) on server and client contexts, and
// client-certificate revocation (CRL at start, reload while running, resumed sessions), over real TLS on loopback.
// The peer on the other side is plain OpenSSL, independent of the net module.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "test_util.h"

namespace prose::net {
namespace {

using namespace std::chrono_literals;
using test::echo;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

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

// ---- client-certificate revocation ----

// A PKI of its own (revocations change it): two UEs, a relay.
class CrlTest : public ::testing::Test {
 protected:
  static constexpr const char* kUe1 = "001010000000011";
  static constexpr const char* kUe2 = "001010000000012";

  void SetUp() override {
    base_ = test::make_temp_dir();
    dir_ = base_ + "/pki";
    pki::InitOptions o;
    o.dir = dir_;
    o.ues = {kUe1, kUe2};
    o.relays = {"r1"};
    ASSERT_TRUE(pki::init(o).ok());
  }
  void TearDown() override { std::filesystem::remove_all(base_); }

  HttpsServerConfig server_config() const {
    HttpsServerConfig c;
    c.tls.cert_file = dir_ + "/pkmf.pem";
    c.tls.key_file = dir_ + "/pkmf.key";
    c.tls.ca_file = dir_ + "/ca.pem";
    c.tls.crl_file = dir_ + "/crl.pem";
    c.tls.keylog_from_env = false;
    return c;
  }
  std::unique_ptr<HttpsClient> client(std::uint16_t port, const std::string& base, TlsVersion v = TlsVersion::kTls13) {
    HttpsClientConfig c;
    c.port = port;
    c.tls.ca_file = dir_ + "/ca.pem";
    c.tls.cert_file = dir_ + "/" + base + ".pem";
    c.tls.key_file = dir_ + "/" + base + ".key";
    c.tls.server_name = pki::kDefaultServerName;
    c.tls.max_version = v;
    c.tls.keylog_from_env = false;
    auto r = HttpsClient::create(c);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r.ok() ? std::move(*r) : nullptr;
  }
  // One request on a new connection: served (200) or refused in the handshake.
  bool served(std::uint16_t port, const std::string& base, TlsVersion v = TlsVersion::kTls13) {
    auto c = client(port, base, v);
    auto r = c ? c->post("/p", "text/plain", "x") : Result<HttpResponse>(fail(Errc::kIo, "no client"));
    return r.ok() && r->status == 200;
  }
  void revoke(const std::vector<std::string>& ues, const std::vector<std::string>& relays = {}) {
    auto r = pki::update_crl(dir_, {ues, relays, {}}, {}, 30);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
  }

  std::string base_, dir_;
};

TEST_F(CrlTest, RevokedCertificateIsRefusedInTheHandshake) {
  revoke({kUe1});
  std::atomic<int> calls{0};
  HttpsServer server(server_config(), [&calls](const PeerIdentity& p, const HttpRequest& r) {
    ++calls;
    return echo(p, r);
  });
  auto port = server.start();
  ASSERT_TRUE(port.ok()) << port.error().to_string();
  for (auto v : {TlsVersion::kTls12, TlsVersion::kTls13}) {
    EXPECT_FALSE(served(*port, std::string("ue-") + kUe1, v));
    EXPECT_TRUE(served(*port, std::string("ue-") + kUe2, v));
    EXPECT_TRUE(served(*port, "relay-r1", v));
  }
  EXPECT_EQ(calls.load(), 4);
  for (int i = 0; i < 100 && server.stats().handshakes_failed < 2; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(server.stats().handshakes_failed, 2u);
}

TEST_F(CrlTest, WithoutACrlFileNothingIsChecked) {
  revoke({kUe1});
  auto cfg = server_config();
  cfg.tls.crl_file.clear();
  HttpsServer server(cfg, echo);
  auto port = server.start();
  ASSERT_TRUE(port.ok());
  EXPECT_TRUE(served(*port, std::string("ue-") + kUe1));
  auto reload = server.reload_crl();
  ASSERT_FALSE(reload.ok());
  EXPECT_EQ(reload.error().code, Errc::kState);
}

TEST_F(CrlTest, ReloadRefusesANewlyRevokedCertificateAndServesTheOthers) {
  revoke({kUe1});
  HttpsServer server(server_config(), echo);
  auto port = server.start();
  ASSERT_TRUE(port.ok());
  // ue2 holds a TLS session from before its revocation (1.2 session ID cache and 1.3 ticket).
  auto ue2_12 = client(*port, std::string("ue-") + kUe2, TlsVersion::kTls12);
  auto ue2_13 = client(*port, std::string("ue-") + kUe2, TlsVersion::kTls13);
  for (auto* c : {ue2_12.get(), ue2_13.get()}) {
    ASSERT_TRUE(c->post("/p", "text/plain", "x").ok());
    c->close();
    ASSERT_TRUE(c->post("/p", "text/plain", "x").ok());
    ASSERT_TRUE(c->last_connection().session_reused);  // resumption works before the revocation
    c->close();
  }

  revoke({kUe2});
  EXPECT_TRUE(served(*port, std::string("ue-") + kUe2));  // not re-read yet
  auto info = server.reload_crl();
  ASSERT_TRUE(info.ok()) << info.error().to_string();
  EXPECT_EQ(info->crls, 1u);
  EXPECT_EQ(info->revoked, 2u);
  EXPECT_GT(info->next_update, std::time(nullptr) + 29 * 86400);
  EXPECT_NE(describe(*info).find("1 CRL(s), 2 revoked certificate(s), next update 20"), std::string::npos)
      << describe(*info);
  for (auto v : {TlsVersion::kTls12, TlsVersion::kTls13}) {
    EXPECT_FALSE(served(*port, std::string("ue-") + kUe2, v));
    EXPECT_FALSE(served(*port, std::string("ue-") + kUe1, v));
    EXPECT_TRUE(served(*port, "relay-r1", v));
  }
  // Resuming the session from before the revocation does not get around it.
  for (auto* c : {ue2_12.get(), ue2_13.get()}) EXPECT_FALSE(c->post("/p", "text/plain", "x").ok());
}

TEST_F(CrlTest, ABadCrlIsRefusedAtStartAndOnReloadKeepsThePreviousOne) {
  revoke({kUe1});
  HttpsServer server(server_config(), echo);
  auto port = server.start();
  ASSERT_TRUE(port.ok());
  const std::string good = slurp(dir_ + "/crl.pem");
  auto other_ca = pki::make_ca("Other CA", 30);
  ASSERT_TRUE(other_ca.ok());
  auto ca = pki::load_credential(dir_ + "/ca.pem", dir_ + "/ca.key");
  ASSERT_TRUE(ca.ok());
  // An expired CRL of the right CA: make one and move its validity into the past.
  std::string expired;
  {
    BIO* b = BIO_new_mem_buf(good.data(), static_cast<int>(good.size()));
    X509_CRL* crl = PEM_read_bio_X509_CRL(b, nullptr, nullptr, nullptr);
    BIO_free(b);
    ASN1_TIME* t1 = X509_gmtime_adj(nullptr, -2 * 86400);
    ASN1_TIME* t2 = X509_gmtime_adj(nullptr, -86400);
    X509_CRL_set1_lastUpdate(crl, t1);
    X509_CRL_set1_nextUpdate(crl, t2);
    BIO* kb = BIO_new_mem_buf(ca->key_pem.data(), static_cast<int>(ca->key_pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
    BIO_free(kb);
    X509_CRL_sign(crl, key, EVP_sha256());
    BIO* out = BIO_new(BIO_s_mem());
    PEM_write_bio_X509_CRL(out, crl);
    char* data = nullptr;
    long n = BIO_get_mem_data(out, &data);
    expired.assign(data, static_cast<std::size_t>(n));
    BIO_free(out);
    EVP_PKEY_free(key);
    ASN1_TIME_free(t1);
    ASN1_TIME_free(t2);
    X509_CRL_free(crl);
  }
  struct Case {
    std::string name, content, expect;
  };
  std::vector<Case> cases = {
      {"garbage", "not a CRL\n", "holds no CRL"},
      {"empty", "", "holds no CRL"},
      {"a certificate", slurp(dir_ + "/ca.pem"), "holds something other than CRLs"},
      {"another CA's CRL", *pki::make_crl(*other_ca, "", {}, 30), "is not signed by a CA of the CA file"},
      {"expired", expired, "expired at"},
  };
  for (const auto& c : cases) {
    std::ofstream(dir_ + "/crl.pem", std::ios::trunc) << c.content;
    auto r = server.reload_crl();
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_NE(r.error().message.find(c.expect), std::string::npos) << c.name << ": " << r.error().message;
    // The previous CRL stays in force.
    EXPECT_FALSE(served(*port, std::string("ue-") + kUe1)) << c.name;
    EXPECT_TRUE(served(*port, std::string("ue-") + kUe2)) << c.name;
    // And a server does not start with it.
    HttpsServer other(server_config(), echo);
    auto st = other.start();
    ASSERT_FALSE(st.ok()) << c.name;
    EXPECT_NE(st.error().message.find(c.expect), std::string::npos) << c.name << ": " << st.error().message;
  }
  std::filesystem::remove(dir_ + "/crl.pem");
  EXPECT_EQ(server.reload_crl().error().code, Errc::kIo);
  EXPECT_FALSE(served(*port, std::string("ue-") + kUe1));
}

TEST_F(CrlTest, EveryCaOfTheCaFileNeedsACrl) {
  // Two CAs in the CA file, a CRL from only one of them: clients of the other could not be checked.
  auto other_ca = pki::make_ca("Other CA", 30);
  ASSERT_TRUE(other_ca.ok());
  std::ofstream(dir_ + "/ca.pem", std::ios::app) << other_ca->cert_pem;
  HttpsServer server(server_config(), echo);
  auto st = server.start();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("has no CRL from the CA"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("Other CA"), std::string::npos) << st.error().message;
  // With the other CA's CRL appended, it starts.
  std::ofstream(dir_ + "/crl.pem", std::ios::app) << *pki::make_crl(*other_ca, "", {}, 30);
  HttpsServer again(server_config(), echo);
  auto port = again.start();
  ASSERT_TRUE(port.ok()) << port.error().to_string();
  EXPECT_TRUE(served(*port, std::string("ue-") + kUe1));
}

}  // namespace
}  // namespace prose::net

// TLS-PSK (GBA Ua, TS 33.222): our server and client with each other and with the openssl CLI.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "prose/testbed/ports.h"
#include "prose/testbed/wait.h"
#include "prose/util/hex.h"
#include "test_util.h"

namespace prose::net {
namespace {

using namespace std::chrono_literals;

constexpr const char* kIdentity = "btid-0001@bsf.prose.test";
constexpr const char* kKeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr const char* kWrongKeyHex = "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

SecretBytes key(const char* h) { return *SecretBytes::from_hex(h); }

HttpsServerConfig psk_server_config(std::atomic<int>* lookups = nullptr) {
  HttpsServerConfig c;
  c.threads = 1;
  c.tls.keylog_from_env = false;
  c.tls.psk = [lookups](std::string_view id) -> std::optional<SecretBytes> {
    if (lookups) ++*lookups;
    if (id == kIdentity) return key(kKeyHex);
    return std::nullopt;
  };
  return c;
}

HttpsClientConfig psk_client_config(std::uint16_t port, TlsVersion v, const char* id, const char* key_hex) {
  HttpsClientConfig c;
  c.port = port;
  c.tls.keylog_from_env = false;
  c.tls.min_version = c.tls.max_version = v;
  std::string ident = id, kh = key_hex;
  c.tls.psk = [ident, kh](std::string_view hint) -> std::optional<PskClientCredential> {
    (void)hint;
    return PskClientCredential{ident, key(kh.c_str())};
  };
  return c;
}

TEST(Psk, OwnClientAndServerBothVersions) {
  for (auto v : {TlsVersion::kTls12, TlsVersion::kTls13}) {
    HttpsServer s(psk_server_config(), test::echo);
    auto port = s.start();
    ASSERT_TRUE(port.ok()) << port.error().to_string();
    std::string seen_hint = "unset";
    auto cfg = psk_client_config(*port, v, kIdentity, kKeyHex);
    cfg.tls.psk = [&seen_hint](std::string_view hint) -> std::optional<PskClientCredential> {
      seen_hint = std::string(hint);
      return PskClientCredential{kIdentity, key(kKeyHex)};
    };
    auto c = HttpsClient::create(cfg);
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    auto r = (*c)->post("/prose/pc8", "text/plain", "hi");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->body, std::string("psk ") + kIdentity + " POST /prose/pc8 text/plain hi");
    auto info = (*c)->last_connection();
    if (v == TlsVersion::kTls12) {
      EXPECT_EQ(info.version, "TLSv1.2");
      EXPECT_NE(info.cipher.find("PSK"), std::string::npos) << info.cipher;
      EXPECT_EQ(seen_hint, kGbaPskIdentityHint);  // TS 24.109: "3GPP-bootstrapping"
    } else {
      EXPECT_EQ(info.version, "TLSv1.3");
      EXPECT_EQ(info.cipher, "TLS_AES_128_GCM_SHA256");
    }
    // Keep-alive works in PSK mode too.
    ASSERT_TRUE((*c)->post("/prose/pc8", "text/plain", "again").ok());
    EXPECT_EQ((*c)->stats().connections_opened, 1u);
  }
}

TEST(Psk, WrongKeyOrUnknownIdentityFails) {
  for (auto v : {TlsVersion::kTls12, TlsVersion::kTls13}) {
    std::atomic<int> calls{0};
    HttpsServer s(psk_server_config(), [&calls](const PeerIdentity& p, const HttpRequest& r) {
      ++calls;
      return test::echo(p, r);
    });
    auto port = s.start();
    ASSERT_TRUE(port.ok());
    auto wrong = HttpsClient::create(psk_client_config(*port, v, kIdentity, kWrongKeyHex));
    ASSERT_TRUE(wrong.ok());
    EXPECT_FALSE((*wrong)->post("/p", "text/plain", "x").ok());
    auto unknown = HttpsClient::create(psk_client_config(*port, v, "btid-9999@bsf.prose.test", kKeyHex));
    ASSERT_TRUE(unknown.ok());
    EXPECT_FALSE((*unknown)->post("/p", "text/plain", "x").ok());
    EXPECT_EQ(calls.load(), 0);
  }
}

TEST(Psk, CertificateClientCannotReachPskServer) {
  HttpsServer s(psk_server_config(), test::echo);
  auto port = s.start();
  ASSERT_TRUE(port.ok());
  auto c = HttpsClient::create(test::client_config(*port));
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE((*c)->post("/p", "text/plain", "x").ok());
}

std::string s_client_cmd(std::uint16_t port, const char* version_flag, const char* key_hex) {
  std::string req =
      "POST /prose/pc8 HTTP/1.1\\r\\nHost: pkmf\\r\\nContent-Type: text/plain\\r\\nContent-Length: 5\\r\\n"
      "Connection: close\\r\\n\\r\\nhello";
  return "printf '" + req + "' | timeout 20 openssl s_client -connect 127.0.0.1:" + std::to_string(port) + " -psk " +
         key_hex + " -psk_identity " + kIdentity + " " + version_flag + " -quiet";
}

TEST(Psk, OpensslSClientAgainstOurServer) {
  struct Case {
    const char* flags;
  } cases[] = {{"-tls1_2 -cipher PSK-AES128-CBC-SHA"}, {"-tls1_2 -cipher PSK-AES256-GCM-SHA384"}, {"-tls1_3"}};
  for (const auto& cs : cases) {
    std::atomic<int> lookups{0};
    HttpsServer s(psk_server_config(&lookups), test::echo);
    auto port = s.start();
    ASSERT_TRUE(port.ok());
    auto [rc, out] = test::run_shell(s_client_cmd(*port, cs.flags, kKeyHex));
    EXPECT_NE(out.find("HTTP/1.1 200 OK"), std::string::npos) << cs.flags << "\n" << out;
    EXPECT_NE(out.find(std::string("psk ") + kIdentity + " POST /prose/pc8 text/plain hello"), std::string::npos)
        << out;
    EXPECT_GE(lookups.load(), 1);
    auto [rc2, out2] = test::run_shell(s_client_cmd(*port, cs.flags, kWrongKeyHex));
    EXPECT_EQ(out2.find("HTTP/1.1 200"), std::string::npos) << cs.flags << "\n" << out2;
    EXPECT_EQ(s.stats().requests, 1u);
  }
}

std::uint16_t free_port() { return testbed::free_port_or_zero(testbed::Proto::kTcp); }

bool wait_listening(std::uint16_t port) { return testbed::wait_for_tcp(port, 5s).ok(); }

// Our client against `openssl s_server -psk ... -www` (answers GET / with an HTML status page).
TEST(Psk, OurClientAgainstOpensslSServer) {
  for (auto v : {TlsVersion::kTls12, TlsVersion::kTls13}) {
    std::uint16_t port = free_port();
    std::vector<std::string> argv = {"openssl", "s_server", "-accept",  "127.0.0.1:" + std::to_string(port),
                                     "-nocert", "-psk",     kKeyHex,    "-psk_identity",
                                     kIdentity, "-www",     "-naccept", "4"};
    if (v == TlsVersion::kTls12) {
      argv.insert(argv.end(), {"-tls1_2", "-cipher", "PSK-AES128-GCM-SHA256"});
    } else {
      argv.insert(argv.end(), {"-tls1_3"});
    }
    test::Child server(argv);
    ASSERT_TRUE(server.ok());
    ASSERT_TRUE(wait_listening(port));
    auto c = HttpsClient::create(psk_client_config(port, v, kIdentity, kKeyHex));
    ASSERT_TRUE(c.ok());
    auto r = (*c)->get("/");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->status, 200);
    EXPECT_NE(r->body.find(v == TlsVersion::kTls12 ? "TLSv1.2" : "TLSv1.3"), std::string::npos) << r->body;
    auto bad = HttpsClient::create(psk_client_config(port, v, kIdentity, kWrongKeyHex));
    ASSERT_TRUE(bad.ok());
    EXPECT_FALSE((*bad)->get("/").ok());
  }
}

}  // namespace
}  // namespace prose::net

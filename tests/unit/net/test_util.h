// Shared helpers for the net unit tests: a temporary test PKI, configs, and running the openssl CLI.
#pragma once

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "prose/net/client.h"
#include "prose/net/pki.h"
#include "prose/net/server.h"
#include "prose/testbed/process.h"
#include "prose/util/bytes.h"

namespace prose::net::test {

inline constexpr const char* kImsi = "001010000000001";
inline constexpr const char* kRelay = "relay-1";

inline std::string make_temp_dir() {
  std::string t = (std::filesystem::temp_directory_path() / "prose-net-XXXXXX").string();
  if (mkdtemp(t.data()) == nullptr) std::abort();
  return t;
}

// One PKI per test program: CA + pkmf + a UE + a relay, an expired UE, a UE from another CA, a certificate
// without an identity URI.
struct TestPki {
  std::string dir;
  TestPki() {
    dir = make_temp_dir();
    pki::InitOptions o;
    o.dir = dir;
    o.ues = {kImsi};
    o.relays = {kRelay};
    auto r = pki::init(o);
    if (!r.ok()) std::abort();
    auto ca = pki::load_credential(dir + "/ca.pem", dir + "/ca.key");
    auto ue = PeerIdentity::ue("001010000000002");
    auto expired = pki::issue_expired_identity(*ca, *ue);
    if (!expired.ok() || !pki::write_credential(dir, "expired", *expired).ok()) std::abort();
    auto other_ca = pki::make_ca("Other CA", 30);
    auto other = pki::issue_identity(*other_ca, *ue, 30);
    if (!other.ok() || !pki::write_credential(dir, "other-ca", *other_ca).ok() ||
        !pki::write_credential(dir, "other", *other).ok())
      std::abort();
    pki::CertSpec spec;
    spec.common_name = "no identity";
    spec.uris = {"urn:example:nothing"};
    auto noid = pki::issue(*ca, spec);
    if (!noid.ok() || !pki::write_credential(dir, "noid", *noid).ok()) std::abort();
  }
  ~TestPki() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::string path(const std::string& f) const { return dir + "/" + f; }
};

inline const TestPki& test_pki() {
  static TestPki p;
  return p;
}

inline HttpsServerConfig server_config() {
  const auto& p = test_pki();
  HttpsServerConfig c;
  c.threads = 2;
  c.tls.cert_file = p.path("pkmf.pem");
  c.tls.key_file = p.path("pkmf.key");
  c.tls.ca_file = p.path("ca.pem");
  c.tls.keylog_from_env = false;
  return c;
}

inline HttpsClientConfig client_config(std::uint16_t port, const std::string& base = std::string("ue-") + kImsi) {
  const auto& p = test_pki();
  HttpsClientConfig c;
  c.host = "127.0.0.1";
  c.port = port;
  c.tls.ca_file = p.path("ca.pem");
  if (!base.empty()) {
    c.tls.cert_file = p.path(base + ".pem");
    c.tls.key_file = p.path(base + ".key");
  }
  c.tls.server_name = pki::kDefaultServerName;
  c.tls.keylog_from_env = false;
  return c;
}

// Echo handler: "<kind> <id> <method> <target> <content-type> <body>".
inline HttpResponse echo(const PeerIdentity& who, const HttpRequest& req) {
  return make_response(200, "text/plain",
                       std::string(peer_kind_name(who.kind())) + " " + who.id() + " " + req.method + " " + req.target +
                           " " + req.content_type + " " + req.body);
}

// Runs a shell command, returns its stdout+stderr and exit status.
inline std::pair<int, std::string> run_shell(const std::string& cmd) { return testbed::run_shell(cmd); }

// A child process (output discarded) stopped on destruction.
class Child {
 public:
  explicit Child(const std::vector<std::string>& argv) {
    auto p = testbed::Process::spawn(testbed::SpawnOptions{argv});
    if (p.ok()) process_ = std::move(*p);
  }
  bool ok() const { return process_.pid() > 0; }

 private:
  testbed::Process process_;
};

}  // namespace prose::net::test
